/*
 * A CPU-bound bare-metal benchmark (compiled rv32imac code, M-mode, no
 * paging): CRC-32, a sieve and an insertion sort in a loop. It reports its
 * checksum through the UART and ends through HTIF tohost.
 */
#include <stdint.h>

volatile uint32_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint32_t fromhost __attribute__((section(".tohost"), aligned(64)));

#define UART ((volatile uint8_t *)0x10000000)
#ifndef ROUNDS
#define ROUNDS 400
#endif

static uint8_t buf[4096];
static uint8_t sieve[8192];
static int32_t arr[256];

static void puts_uart(const char *s) { while (*s) *UART = (uint8_t)*s++; }
static void puthex(uint32_t v) {
  for (int i = 7; i >= 0; i--) *UART = "0123456789abcdef"[(v >> (4 * i)) & 15];
}

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static uint32_t primes(void) {
  uint32_t count = 0;
  for (uint32_t i = 0; i < sizeof sieve; i++) sieve[i] = 1;
  for (uint32_t i = 2; i < sizeof sieve; i++) {
    if (!sieve[i]) continue;
    count++;
    for (uint32_t j = i * 2; j < sizeof sieve; j += i) sieve[j] = 0;
  }
  return count;
}

static uint32_t sort(uint32_t seed) {
  for (int i = 0; i < 256; i++) arr[i] = (int32_t)(seed = seed * 1103515245u + 12345u);
  for (int i = 1; i < 256; i++) {
    int32_t v = arr[i];
    int j = i - 1;
    while (j >= 0 && arr[j] > v) { arr[j + 1] = arr[j]; j--; }
    arr[j + 1] = v;
  }
  return (uint32_t)arr[0] ^ (uint32_t)arr[255];
}

void main(void) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7 + 3);
  for (int r = 0; r < ROUNDS; r++) {
    sum = crc32(buf, 512, sum);
    sum += primes();
    sum ^= sort(sum + (uint32_t)r);
  }
  puts_uart("cpubench: checksum ");
  puthex(sum);
  puts_uart("\n");
  tohost = 1;
  for (;;) {}
}
