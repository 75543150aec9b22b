/**
 * Control-queue partitioning as the Azure Storage provider does it (`Fnv1aHashHelper.ComputeHash`
 * over the instance id's UTF-8 bytes, modulo the partition count), checked against the published
 * FNV-1a 32-bit test vectors and an instance id with non-ASCII characters.
 */
import { partitionOf } from "../../durable/queues";

test("FNV-1a 32-bit test vectors: 'a' → 0xe40c292c, 'foobar' → 0xbf9cf968", () => {
  expect(partitionOf("a", 0x10000)).toBe(0xe40c292c % 0x10000);
  expect(partitionOf("foobar", 0x10000)).toBe(0xbf9cf968 % 0x10000);
  expect(partitionOf("a", 16)).toBe(12);
});

test("a non-ASCII instance id is hashed over its UTF-8 bytes (0xccd2c8b6), not its UTF-16 code units", () => {
  expect(partitionOf("case-Őrült-ügy", 16)).toBe(0xccd2c8b6 % 16);
  expect(partitionOf("case-Őrült-ügy", 4)).toBe(0xccd2c8b6 % 4);
});
