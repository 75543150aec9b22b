/**
 * Words of the customer's status page (`/api/status/{token}`) and of the status links in customer
 * emails, in the five customer languages. Plain text with `{{placeholder}}` markers; the renderer
 * escapes. Status names come from the email templates (`statusLabels`), so page and emails agree.
 */
import type { SupportedLanguage } from "../contracts";

/** Every string of the status page in one language. */
export interface StatusPageLocale {
  /** Page title and heading, with `{{caseId}}`. */
  title: string;
  status: string;
  /** Label of the next SLA target, without the SLA's name. */
  nextTarget: string;
  /** Note naming the zone times are shown in, with `{{timeZone}}`. */
  timesIn: string;
  history: string;
  /** Timeline line of a status change, with `{{status}}`. */
  statusChanged: string;
  youReplied: string;
  /** Timeline line above what the partner wrote to the customer, with `{{partnerName}}`. */
  partnerWrote: string;
  /** Timeline line of an email sent to the customer, with `{{subject}}`. */
  weEmailed: string;
  attachments: string;
  reply: string;
  replyLabel: string;
  replyButton: string;
  /** Shown instead of the reply form on a closed request. */
  closedNoReply: string;
  resolvedQuestion: string;
  confirmButton: string;
  reopenLabel: string;
  reopenButton: string;
  /** With `{{date}}`. */
  reopenUntil: string;
  ratingQuestion: string;
  /** Labels of ratings 1–5, in order. */
  ratingLabels: [string, string, string, string, string];
  commentLabel: string;
  ratingButton: string;
  /** With `{{rating}}`. */
  ratingThanks: string;
  /** Notices after an action (POST-redirect-GET). */
  notices: { replied: string; confirmed: string; reopened: string; rated: string };
  /** Error page and form errors. */
  errors: {
    invalidTitle: string;
    invalid: string;
    expiredTitle: string;
    expired: string;
    message: string;
    reason: string;
    rating: string;
    conflict: string;
    busy: string;
  };
  /** Line in customer emails, with `{{url}}`. */
  emailLink: string;
  /** Line in the resolution email, with `{{url}}`. */
  emailRatingLink: string;
  /** Contact sentence, with `{{supportContact}}`. */
  contact: string;
}

const en: StatusPageLocale = {
  title: "Your support request {{caseId}}",
  status: "Status",
  nextTarget: "We will get back to you by",
  timesIn: "Times are shown in the {{timeZone}} time zone.",
  history: "History",
  statusChanged: "Status: {{status}}",
  youReplied: "You replied",
  partnerWrote: "Message from {{partnerName}}",
  weEmailed: "We emailed you: {{subject}}",
  attachments: "Files you sent",
  reply: "Reply",
  replyLabel: "Your message",
  replyButton: "Send reply",
  closedNoReply: "This request is closed. If you need further help, please submit a new request.",
  resolvedQuestion: "Is your issue solved?",
  confirmButton: "Yes, close the request",
  reopenLabel: "Not solved? Tell us what is still wrong",
  reopenButton: "Reopen the request",
  reopenUntil: "You can reopen the request until {{date}}.",
  ratingQuestion: "How satisfied are you with how your request was handled?",
  ratingLabels: ["1 – Very dissatisfied", "2 – Dissatisfied", "3 – Neither", "4 – Satisfied", "5 – Very satisfied"],
  commentLabel: "Comment (optional)",
  ratingButton: "Send rating",
  ratingThanks: "Thank you for your rating: {{rating}} of 5.",
  notices: { replied: "Your reply was added to the request.", confirmed: "Thank you for confirming. The request will be closed.", reopened: "The request was reopened. We will look into it again.", rated: "Thank you for your feedback." },
  errors: {
    invalidTitle: "This link is not valid",
    invalid: "The link may have been copied incompletely. Please open it again from the email about your request.",
    expiredTitle: "This link has expired",
    expired: "Please use the link in the most recent email about your request, or contact us.",
    message: "Please write a message (at most 8,000 characters).",
    reason: "Please tell us what is still wrong (at most 2,000 characters).",
    rating: "Please choose a rating from 1 to 5 (comment at most 2,000 characters).",
    conflict: "This is no longer possible: the request has changed in the meantime.",
    busy: "We could not record this just now. Please try again in a few minutes.",
  },
  emailLink: "Follow your request and reply online: {{url}}",
  emailRatingLink: "Tell us how we did (one question): {{url}}",
  contact: "If you have any questions, contact us at {{supportContact}}.",
};

const hu: StatusPageLocale = {
  title: "A(z) {{caseId}} számú támogatási kérése",
  status: "Állapot",
  nextTarget: "Legkésőbb ekkor jelentkezünk",
  timesIn: "Az időpontok {{timeZone}} időzóna szerint értendők.",
  history: "Előzmények",
  statusChanged: "Állapot: {{status}}",
  youReplied: "Ön válaszolt",
  partnerWrote: "{{partnerName}} üzenete",
  weEmailed: "E-mailt küldtünk Önnek: {{subject}}",
  attachments: "Az Ön által küldött fájlok",
  reply: "Válasz",
  replyLabel: "Az Ön üzenete",
  replyButton: "Válasz küldése",
  closedNoReply: "Ez a kérés lezárult. Ha további segítségre van szüksége, kérjük, küldjön új kérést.",
  resolvedQuestion: "Megoldódott a problémája?",
  confirmButton: "Igen, a kérés lezárható",
  reopenLabel: "Nem oldódott meg? Írja meg, mi a hiba még",
  reopenButton: "Kérés újranyitása",
  reopenUntil: "A kérést eddig nyithatja újra: {{date}}.",
  ratingQuestion: "Mennyire elégedett a kérése kezelésével?",
  ratingLabels: ["1 – Nagyon elégedetlen", "2 – Elégedetlen", "3 – Semleges", "4 – Elégedett", "5 – Nagyon elégedett"],
  commentLabel: "Megjegyzés (nem kötelező)",
  ratingButton: "Értékelés küldése",
  ratingThanks: "Köszönjük az értékelését: {{rating}} / 5.",
  notices: { replied: "Válaszát hozzáadtuk a kéréshez.", confirmed: "Köszönjük a megerősítést. A kérést lezárjuk.", reopened: "A kérést újranyitottuk, ismét megvizsgáljuk.", rated: "Köszönjük a visszajelzését." },
  errors: {
    invalidTitle: "Ez a hivatkozás érvénytelen",
    invalid: "Lehet, hogy a hivatkozás hiányosan lett átmásolva. Kérjük, nyissa meg újra a kérésével kapcsolatos e-mailből.",
    expiredTitle: "Ez a hivatkozás lejárt",
    expired: "Kérjük, használja a kérésével kapcsolatos legutóbbi e-mailben található hivatkozást, vagy vegye fel velünk a kapcsolatot.",
    message: "Kérjük, írjon üzenetet (legfeljebb 8000 karakter).",
    reason: "Kérjük, írja meg, mi a hiba még (legfeljebb 2000 karakter).",
    rating: "Kérjük, válasszon értékelést 1 és 5 között (megjegyzés legfeljebb 2000 karakter).",
    conflict: "Ez már nem lehetséges: a kérés időközben megváltozott.",
    busy: "Ezt most nem tudtuk rögzíteni. Kérjük, próbálja újra néhány perc múlva.",
  },
  emailLink: "Kérése állapotát online követheti és ott válaszolhat: {{url}}",
  emailRatingLink: "Értékelje munkánkat (egy kérdés): {{url}}",
  contact: "Kérdés esetén forduljon hozzánk: {{supportContact}}.",
};

const cs: StatusPageLocale = {
  title: "Váš požadavek na podporu {{caseId}}",
  status: "Stav",
  nextTarget: "Ozveme se vám nejpozději",
  timesIn: "Časy jsou uvedeny v časovém pásmu {{timeZone}}.",
  history: "Historie",
  statusChanged: "Stav: {{status}}",
  youReplied: "Odpověděli jste",
  partnerWrote: "Zpráva od {{partnerName}}",
  weEmailed: "Poslali jsme vám e-mail: {{subject}}",
  attachments: "Soubory, které jste poslali",
  reply: "Odpověď",
  replyLabel: "Vaše zpráva",
  replyButton: "Odeslat odpověď",
  closedNoReply: "Tento požadavek je uzavřen. Pokud potřebujete další pomoc, zadejte prosím nový požadavek.",
  resolvedQuestion: "Je váš problém vyřešen?",
  confirmButton: "Ano, požadavek uzavřete",
  reopenLabel: "Není vyřešen? Napište nám, co stále nefunguje",
  reopenButton: "Znovu otevřít požadavek",
  reopenUntil: "Požadavek můžete znovu otevřít do {{date}}.",
  ratingQuestion: "Jak jste spokojeni s vyřízením svého požadavku?",
  ratingLabels: ["1 – Velmi nespokojen", "2 – Nespokojen", "3 – Neutrální", "4 – Spokojen", "5 – Velmi spokojen"],
  commentLabel: "Komentář (nepovinný)",
  ratingButton: "Odeslat hodnocení",
  ratingThanks: "Děkujeme za hodnocení: {{rating}} z 5.",
  notices: { replied: "Vaše odpověď byla přidána k požadavku.", confirmed: "Děkujeme za potvrzení. Požadavek bude uzavřen.", reopened: "Požadavek byl znovu otevřen. Znovu se mu budeme věnovat.", rated: "Děkujeme za vaši zpětnou vazbu." },
  errors: {
    invalidTitle: "Tento odkaz není platný",
    invalid: "Odkaz mohl být zkopírován neúplně. Otevřete jej prosím znovu z e-mailu o vašem požadavku.",
    expiredTitle: "Platnost tohoto odkazu vypršela",
    expired: "Použijte prosím odkaz z nejnovějšího e-mailu o vašem požadavku, nebo nás kontaktujte.",
    message: "Napište prosím zprávu (nejvýše 8 000 znaků).",
    reason: "Napište nám prosím, co stále nefunguje (nejvýše 2 000 znaků).",
    rating: "Zvolte prosím hodnocení od 1 do 5 (komentář nejvýše 2 000 znaků).",
    conflict: "To už není možné: požadavek se mezitím změnil.",
    busy: "Nyní se to nepodařilo zaznamenat. Zkuste to prosím znovu za několik minut.",
  },
  emailLink: "Sledujte svůj požadavek a odpovídejte online: {{url}}",
  emailRatingLink: "Ohodnoťte naši práci (jedna otázka): {{url}}",
  contact: "S dotazy se na nás obraťte na {{supportContact}}.",
};

const pl: StatusPageLocale = {
  title: "Twoje zgłoszenie do pomocy technicznej {{caseId}}",
  status: "Status",
  nextTarget: "Odezwiemy się najpóźniej",
  timesIn: "Godziny podano w strefie czasowej {{timeZone}}.",
  history: "Historia",
  statusChanged: "Status: {{status}}",
  youReplied: "Twoja odpowiedź",
  partnerWrote: "Wiadomość od {{partnerName}}",
  weEmailed: "Wysłaliśmy Ci e-mail: {{subject}}",
  attachments: "Przesłane przez Ciebie pliki",
  reply: "Odpowiedź",
  replyLabel: "Twoja wiadomość",
  replyButton: "Wyślij odpowiedź",
  closedNoReply: "To zgłoszenie jest zamknięte. Jeśli potrzebujesz dalszej pomocy, utwórz nowe zgłoszenie.",
  resolvedQuestion: "Czy Twój problem został rozwiązany?",
  confirmButton: "Tak, zamknijcie zgłoszenie",
  reopenLabel: "Nie rozwiązany? Napisz, co nadal nie działa",
  reopenButton: "Otwórz zgłoszenie ponownie",
  reopenUntil: "Zgłoszenie możesz ponownie otworzyć do {{date}}.",
  ratingQuestion: "Jak oceniasz obsługę swojego zgłoszenia?",
  ratingLabels: ["1 – Bardzo niezadowolony", "2 – Niezadowolony", "3 – Obojętny", "4 – Zadowolony", "5 – Bardzo zadowolony"],
  commentLabel: "Komentarz (opcjonalnie)",
  ratingButton: "Wyślij ocenę",
  ratingThanks: "Dziękujemy za ocenę: {{rating}} z 5.",
  notices: { replied: "Twoja odpowiedź została dodana do zgłoszenia.", confirmed: "Dziękujemy za potwierdzenie. Zgłoszenie zostanie zamknięte.", reopened: "Zgłoszenie zostało ponownie otwarte. Zajmiemy się nim jeszcze raz.", rated: "Dziękujemy za opinię." },
  errors: {
    invalidTitle: "Ten link jest nieprawidłowy",
    invalid: "Link mógł zostać skopiowany niekompletnie. Otwórz go ponownie z wiadomości e-mail dotyczącej zgłoszenia.",
    expiredTitle: "Ten link wygasł",
    expired: "Użyj linku z najnowszej wiadomości e-mail dotyczącej zgłoszenia lub skontaktuj się z nami.",
    message: "Napisz wiadomość (maksymalnie 8000 znaków).",
    reason: "Napisz, co nadal nie działa (maksymalnie 2000 znaków).",
    rating: "Wybierz ocenę od 1 do 5 (komentarz maksymalnie 2000 znaków).",
    conflict: "To już nie jest możliwe: zgłoszenie zmieniło się w międzyczasie.",
    busy: "Nie udało się teraz tego zapisać. Spróbuj ponownie za kilka minut.",
  },
  emailLink: "Śledź swoje zgłoszenie i odpowiadaj online: {{url}}",
  emailRatingLink: "Oceń naszą pracę (jedno pytanie): {{url}}",
  contact: "W razie pytań skontaktuj się z nami: {{supportContact}}.",
};

const ru: StatusPageLocale = {
  title: "Ваш запрос в поддержку {{caseId}}",
  status: "Статус",
  nextTarget: "Мы свяжемся с вами не позднее",
  timesIn: "Время указано в часовом поясе {{timeZone}}.",
  history: "История",
  statusChanged: "Статус: {{status}}",
  youReplied: "Вы ответили",
  partnerWrote: "Сообщение от {{partnerName}}",
  weEmailed: "Мы отправили вам письмо: {{subject}}",
  attachments: "Отправленные вами файлы",
  reply: "Ответ",
  replyLabel: "Ваше сообщение",
  replyButton: "Отправить ответ",
  closedNoReply: "Этот запрос закрыт. Если вам нужна дополнительная помощь, отправьте новый запрос.",
  resolvedQuestion: "Ваша проблема решена?",
  confirmButton: "Да, закройте запрос",
  reopenLabel: "Не решена? Напишите, что всё ещё не так",
  reopenButton: "Открыть запрос повторно",
  reopenUntil: "Вы можете повторно открыть запрос до {{date}}.",
  ratingQuestion: "Насколько вы довольны тем, как был обработан ваш запрос?",
  ratingLabels: ["1 – Очень недоволен", "2 – Недоволен", "3 – Нейтрально", "4 – Доволен", "5 – Очень доволен"],
  commentLabel: "Комментарий (необязательно)",
  ratingButton: "Отправить оценку",
  ratingThanks: "Спасибо за вашу оценку: {{rating}} из 5.",
  notices: { replied: "Ваш ответ добавлен к запросу.", confirmed: "Спасибо за подтверждение. Запрос будет закрыт.", reopened: "Запрос открыт повторно. Мы займёмся им снова.", rated: "Спасибо за отзыв." },
  errors: {
    invalidTitle: "Эта ссылка недействительна",
    invalid: "Возможно, ссылка была скопирована не полностью. Откройте её снова из письма о вашем запросе.",
    expiredTitle: "Срок действия ссылки истёк",
    expired: "Воспользуйтесь ссылкой из последнего письма о вашем запросе или свяжитесь с нами.",
    message: "Пожалуйста, напишите сообщение (не более 8000 символов).",
    reason: "Пожалуйста, напишите, что всё ещё не так (не более 2000 символов).",
    rating: "Пожалуйста, выберите оценку от 1 до 5 (комментарий не более 2000 символов).",
    conflict: "Это больше невозможно: запрос тем временем изменился.",
    busy: "Сейчас не удалось это сохранить. Пожалуйста, попробуйте ещё раз через несколько минут.",
  },
  emailLink: "Следите за запросом и отвечайте онлайн: {{url}}",
  emailRatingLink: "Оцените нашу работу (один вопрос): {{url}}",
  contact: "Если у вас есть вопросы, свяжитесь с нами: {{supportContact}}.",
};

/** The status page's words per customer language (all five complete; English for anything else). */
export const statusPageLocales: Readonly<Record<SupportedLanguage, StatusPageLocale>> = { en, hu, cs, pl, ru };

/** The status page's words in a language, English when it is not one of the five. */
export function statusPageLocaleOf(language: string): StatusPageLocale {
  return (statusPageLocales as Record<string, StatusPageLocale | undefined>)[language] ?? en;
}
