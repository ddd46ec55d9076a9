/* gcc -O2 -shared -fPIC -o libenrich_index.so enrich_index.c   (src/index/native-build.ts runs this) */
/*
 * The enrich index read from C: the format is src/index/format.ts (version 1),
 * the checks at open are src/index/open.ts's, in the same order and the same
 * words, so both implementations refuse a bad index with the same message
 * (test/index/format.test.ts runs its damage cases on both). This file checks
 * more than the TypeScript does where C must not trust a byte it dereferences:
 * every bucket start is checked to be in order and inside the index, so a
 * lookup never reads outside a mapping even in a directory crafted to pass its
 * checksum.
 *
 * Lookups (one call per batch) overlap the dependent cache misses of each key
 * — its directory entry, then its bucket's keys — by group prefetching (Chen
 * et al., "Improving hash join performance through prefetching", 2004): for a
 * group of 64 keys, prefetch every directory entry, then read them and
 * prefetch every bucket, then scan: each stage waits about one miss for the
 * whole group instead of one per key. Software pipelining with a fixed
 * distance was slower here (a mispredicted scan exit stalls the stages
 * queued behind it); AMAC (Kocberber et al., 2015) is for chains of
 * varying length, which a scan of 4–8 sorted keys does not need.
 */
#define _GNU_SOURCE
#include "enrich_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 64u
#define FORMAT_VERSION 1u
#define KIND_DIR 1u
#define KIND_KEYS 2u
#define KIND_PAYLOAD 3u
#define PAYLOAD_BYTES 48u
#define MAX_SHARD_BITS 24u
#define MAX_ENTRIES 2147483647ull
/* open.ts AUTO_FULL_VERIFY_BYTES: data checksums by default only up to this many mapped bytes. */
#define AUTO_FULL_VERIFY_BYTES (256ull * 1024 * 1024)
/* Keys whose misses overlap in a batch: 64 beat 32 and 256 in exploratory runs on the 5M index (docs/native.md). */
#define GROUP 64u

struct mapping {
  const uint8_t *base;
  size_t len;
};

struct eix_index {
  _Atomic uint32_t refs;
  uint32_t shift; /* 32 - dir_bits: the bucket of a key is hi >> shift */
  uint32_t dir_bits, shard_bits, shard_mask, shards;
  uint64_t entries, seed, mapped_bytes;
  const uint32_t *buckets;
  const uint64_t **keys;
  const uint8_t **payloads;
  uint32_t nmaps;
  struct mapping *maps;
};

/* ---- CRC-32 (IEEE, as Bun.hash.crc32 and zlib), slicing by 8 ------------------------------ */

static uint32_t crc_table[8][256];

__attribute__((constructor)) static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++) crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + 4, 4);
    a ^= c;
    c = crc_table[7][a & 0xff] ^ crc_table[6][(a >> 8) & 0xff] ^ crc_table[5][(a >> 16) & 0xff] ^ crc_table[4][a >> 24] ^
        crc_table[3][b & 0xff] ^ crc_table[2][(b >> 8) & 0xff] ^ crc_table[1][(b >> 16) & 0xff] ^ crc_table[0][b >> 24];
  }
  while (n--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ---- errors: "FILE\0PROBLEM\0" --------------------------------------------------------------- */

struct err {
  char *buf;
  uint32_t cap;
};

static void fail(struct err *e, const char *file, const char *fmt, ...) {
  if (!e->buf || e->cap < 2) return;
  size_t f = strlen(file);
  if (f > e->cap - 2) f = e->cap - 2;
  memcpy(e->buf, file, f);
  e->buf[f] = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->buf + f + 1, e->cap - f - 1, fmt, ap);
  va_end(ap);
}

static const char *kind_name(uint32_t kind) {
  return kind == KIND_DIR ? "directory" : kind == KIND_KEYS ? "keys" : kind == KIND_PAYLOAD ? "payload" : NULL;
}

/* JSON.stringify of the 8 magic bytes read as Latin-1, as format.ts prints them. */
static void json_latin1(const uint8_t *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
#define PUT(...) o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, __VA_ARGS__)
  PUT("\"");
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\') PUT("\\%c", c);
    else if (c == '\b') PUT("\\b");
    else if (c == '\f') PUT("\\f");
    else if (c == '\n') PUT("\\n");
    else if (c == '\r') PUT("\\r");
    else if (c == '\t') PUT("\\t");
    else if (c < 0x20) PUT("\\u%04x", c);
    else if (c < 0x80) PUT("%c", c);
    else PUT("%c%c", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
  }
  PUT("\"");
#undef PUT
}

/* ---- files and headers ----------------------------------------------------------------------- */

struct header {
  uint32_t version, kind;
  uint64_t entries, seed;
  uint32_t shard, shards, records, param;
  uint64_t data_bytes;
  uint32_t data_crc;
};

static uint32_t u32_at(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint64_t u64_at(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Maps path read-only into ix->maps; 0 on success, -1 with the error written. */
static int map_file(eix_index *ix, const char *path, struct err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail(e, path, "missing (the index directory is incomplete; regenerate it)");
    else fail(e, path, "cannot open (%s)", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fail(e, path, "cannot stat (%s)", strerror(errno));
    close(fd);
    return -1;
  }
  if (st.st_size == 0) {
    fail(e, path, "empty file");
    close(fd);
    return -1;
  }
  /* MAP_SHARED + PROT_READ: the page cache's pages themselves, one copy for every worker; no write can reach them. */
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    fail(e, path, "cannot map (%s)", strerror(errno));
    return -1;
  }
  ix->maps[ix->nmaps].base = p;
  ix->maps[ix->nmaps].len = (size_t)st.st_size;
  ix->nmaps++;
  return 0;
}

/* format.ts decodeHeader: magic, version, header CRC, then the file's length against the header. */
static int decode_header(const char *path, const struct mapping *m, struct header *h, struct err *e) {
  if (m->len < HEADER_BYTES) {
    fail(e, path, "truncated: %zu bytes, shorter than the %u-byte header", m->len, HEADER_BYTES);
    return -1;
  }
  const uint8_t *b = m->base;
  if (memcmp(b, "ENRICHIX", 8) != 0) {
    char magic[64];
    json_latin1(b, 8, magic, sizeof magic);
    fail(e, path, "not an enrich index (magic %s, expected \"ENRICHIX\")", magic);
    return -1;
  }
  h->version = u32_at(b + 8);
  if (h->version != FORMAT_VERSION) {
    fail(e, path, "format version %u, this build reads version %u; regenerate it with `bun run gen`", h->version, FORMAT_VERSION);
    return -1;
  }
  if (crc32_of(b, 60) != u32_at(b + 60)) {
    fail(e, path, "corrupted header (header checksum mismatch)");
    return -1;
  }
  h->kind = u32_at(b + 12);
  h->entries = u64_at(b + 16);
  h->seed = u64_at(b + 24);
  h->shard = u32_at(b + 32);
  h->shards = u32_at(b + 36);
  h->records = u32_at(b + 40);
  h->param = u32_at(b + 44);
  h->data_bytes = u64_at(b + 48);
  h->data_crc = u32_at(b + 56);
  uint64_t have = m->len;
  if (h->data_bytes > have || have - h->data_bytes < HEADER_BYTES) {
    fail(e, path, "truncated: %llu bytes, header says %llu", (unsigned long long)have, (unsigned long long)(HEADER_BYTES + h->data_bytes));
    return -1;
  }
  uint64_t expected = HEADER_BYTES + h->data_bytes;
  if (have > expected) {
    fail(e, path, "%llu trailing bytes after the %llu the header describes", (unsigned long long)(have - expected), (unsigned long long)expected);
    return -1;
  }
  return 0;
}

static int expect_kind(const char *path, const struct header *h, uint32_t kind, struct err *e) {
  if (h->kind == kind) return 0;
  const char *got = kind_name(h->kind);
  if (got) fail(e, path, "is a %s file, expected %s", got, kind_name(kind));
  else fail(e, path, "is a kind-%u file, expected %s", h->kind, kind_name(kind));
  return -1;
}

/* format.ts dirBitsFor: about 4–8 entries per bucket. */
static uint32_t dir_bits_for(uint64_t entries) {
  uint32_t lg = entries <= 1 ? 0 : 64 - (uint32_t)__builtin_clzll(entries - 1); /* ceil(log2) */
  int32_t bits = (int32_t)lg - 3;
  return bits < 4 ? 4 : bits > 28 ? 28 : (uint32_t)bits;
}

static uint64_t shard_count(uint64_t entries, uint32_t shard_bits) {
  uint64_t n = (entries + (1ull << shard_bits) - 1) >> shard_bits;
  return n < 1 ? 1 : n;
}

static void unmap_all(eix_index *ix) {
  for (uint32_t i = 0; i < ix->nmaps; i++) munmap((void *)ix->maps[i].base, ix->maps[i].len);
  free(ix->maps);
  free(ix->keys);
  free(ix->payloads);
  free(ix);
}

/* ---- open ------------------------------------------------------------------------------------- */

static char *join_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

eix_index *eix_open(const char *dir, int32_t verify, char *err_buf, uint32_t err_cap) {
  struct err e = {err_buf, err_cap};
  if (err_buf && err_cap) err_buf[0] = 0;
  if (!dir) {
    fail(&e, "(null)", "no index directory given");
    return NULL;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fail(&e, dir, "no such index directory (build one with `bun run gen --entries N --seed S --out DIR`)");
    return NULL;
  }
  eix_index *ix = calloc(1, sizeof *ix);
  if (!ix) {
    fail(&e, dir, "out of memory");
    return NULL;
  }
  atomic_init(&ix->refs, 1);
  char *path = NULL;
  struct header *hdrs = NULL;
  char **paths = NULL;
  uint32_t npaths = 0;

  /* The directory first: it says how many shards there are. */
  ix->maps = calloc(1, sizeof *ix->maps);
  path = join_path(dir, "dir.bin");
  if (!ix->maps || !path) goto oom;
  if (map_file(ix, path, &e) != 0) goto fail;
  struct header top;
  if (decode_header(path, &ix->maps[0], &top, &e) != 0 || expect_kind(path, &top, KIND_DIR, &e) != 0) goto fail;
  uint32_t dir_bits = top.param & 0xff, shard_bits = top.param >> 8;
  if (shard_bits < 4 || shard_bits > MAX_SHARD_BITS || top.shards != shard_count(top.entries, shard_bits)) {
    fail(&e, path, "corrupted directory (%u shards of 2^%u do not fit %llu entries)", top.shards, shard_bits, (unsigned long long)top.entries);
    goto fail;
  }
  if (top.entries < 1 || top.entries > MAX_ENTRIES) {
    fail(&e, path, "corrupted directory (%llu entries, expected 1..%llu)", (unsigned long long)top.entries, MAX_ENTRIES);
    goto fail;
  }
  if (dir_bits != dir_bits_for(top.entries) || top.records != (1u << dir_bits) + 1) {
    fail(&e, path, "corrupted directory (%u records with %u bits do not fit %llu entries)", top.records, dir_bits, (unsigned long long)top.entries);
    goto fail;
  }
  if (top.data_bytes != (uint64_t)top.records * 4) {
    fail(&e, path, "corrupted directory (%llu data bytes for %u records)", (unsigned long long)top.data_bytes, top.records);
    goto fail;
  }
  const uint32_t *buckets = (const uint32_t *)(ix->maps[0].base + HEADER_BYTES);
  if (buckets[top.records - 1] != top.entries) {
    fail(&e, path, "corrupted directory (ends at %u, expected %llu)", buckets[top.records - 1], (unsigned long long)top.entries);
    goto fail;
  }
  ix->entries = top.entries;
  ix->seed = top.seed;
  ix->dir_bits = dir_bits;
  ix->shift = 32 - dir_bits;
  ix->shard_bits = shard_bits;
  ix->shard_mask = (1u << shard_bits) - 1;
  ix->shards = top.shards;
  ix->buckets = buckets;

  uint32_t nfiles = 1 + 2 * ix->shards;
  struct mapping *grown = realloc(ix->maps, nfiles * sizeof *ix->maps);
  if (!grown) goto oom;
  ix->maps = grown;
  ix->keys = calloc(ix->shards, sizeof *ix->keys);
  ix->payloads = calloc(ix->shards, sizeof *ix->payloads);
  hdrs = calloc(nfiles, sizeof *hdrs);
  paths = calloc(nfiles, sizeof *paths);
  if (!ix->keys || !ix->payloads || !hdrs || !paths) goto oom;
  hdrs[0] = top;
  paths[npaths++] = path;
  path = NULL;

  for (uint32_t s = 0; s < ix->shards; s++) {
    uint64_t first = (uint64_t)s << shard_bits;
    uint64_t left = ix->entries - first;
    uint32_t records = left < (1ull << shard_bits) ? (uint32_t)left : 1u << shard_bits;
    for (uint32_t kind = KIND_KEYS; kind <= KIND_PAYLOAD; kind++) {
      char name[32];
      snprintf(name, sizeof name, "%s-%03u.bin", kind == KIND_KEYS ? "keys" : "payload", s);
      path = join_path(dir, name);
      if (!path) goto oom;
      uint32_t at = ix->nmaps;
      if (map_file(ix, path, &e) != 0) goto fail;
      struct header *h = &hdrs[at];
      if (decode_header(path, &ix->maps[at], h, &e) != 0 || expect_kind(path, h, kind, &e) != 0) goto fail;
      uint32_t record_bytes = kind == KIND_KEYS ? 8 : PAYLOAD_BYTES;
      if (h->entries != ix->entries || h->seed != ix->seed || h->shards != ix->shards) {
        fail(&e, path, "belongs to another index (entries %llu, seed %llu; dir.bin says entries %llu, seed %llu)", (unsigned long long)h->entries, (unsigned long long)h->seed,
             (unsigned long long)ix->entries, (unsigned long long)ix->seed);
        goto fail;
      }
      if (h->shard != s || h->records != records || h->param != record_bytes || h->data_bytes != (uint64_t)records * record_bytes) {
        fail(&e, path, "header describes shard %u of %u records, expected shard %u of %u", h->shard, h->records, s, records);
        goto fail;
      }
      const uint8_t *data = ix->maps[at].base + HEADER_BYTES;
      if (kind == KIND_KEYS) ix->keys[s] = (const uint64_t *)data;
      else ix->payloads[s] = data;
      paths[npaths++] = path;
      path = NULL;
    }
  }

  for (uint32_t i = 0; i < ix->nmaps; i++) ix->mapped_bytes += ix->maps[i].len;
  int full = verify == EIX_VERIFY_FULL || (verify == EIX_VERIFY_AUTO && ix->mapped_bytes <= AUTO_FULL_VERIFY_BYTES);
  for (uint32_t i = 0; i < ix->nmaps; i++) {
    if (!full && hdrs[i].kind != KIND_DIR) continue;
    if (crc32_of(ix->maps[i].base + HEADER_BYTES, ix->maps[i].len - HEADER_BYTES) != hdrs[i].data_crc) {
      fail(&e, paths[i], "corrupted data (%s checksum mismatch)", kind_name(hdrs[i].kind));
      goto fail;
    }
  }
  /* Beyond open.ts: every bucket inside the index and in order, so no lookup can leave the mappings. */
  if (buckets[0] != 0) {
    fail(&e, paths[0], "corrupted directory (starts at %u, expected 0)", buckets[0]);
    goto fail;
  }
  for (uint32_t b = 1; b < top.records; b++) {
    if (buckets[b] < buckets[b - 1]) {
      fail(&e, paths[0], "corrupted directory (bucket %u starts at %u, before bucket %u at %u)", b, buckets[b], b - 1, buckets[b - 1]);
      goto fail;
    }
  }
  for (uint32_t i = 0; i < npaths; i++) free(paths[i]);
  free(paths);
  free(hdrs);
  return ix;

oom:
  fail(&e, path ? path : dir, "out of memory");
fail:
  free(path);
  if (paths)
    for (uint32_t i = 0; i < npaths; i++) free(paths[i]);
  free(paths);
  free(hdrs);
  unmap_all(ix);
  return NULL;
}

/* ---- lookups --------------------------------------------------------------------------------- */

static inline const uint64_t *key_at(const eix_index *ix, uint32_t p) {
  return &ix->keys[p >> ix->shard_bits][p & ix->shard_mask];
}

/* The bucket of hi holds positions [buckets[b], buckets[b+1]), sorted by key: scan until a key ≥ the one sought. */
static inline int32_t scan(const eix_index *ix, uint32_t hi, uint32_t lo) {
  const uint64_t key = (uint64_t)hi << 32 | lo;
  const uint32_t b = hi >> ix->shift;
  const uint32_t end = ix->buckets[b + 1];
  for (uint32_t p = ix->buckets[b]; p < end; p++) {
    const uint64_t k = *key_at(ix, p);
    if (k >= key) return k == key ? (int32_t)p : -1;
  }
  return -1;
}

int32_t eix_find(const eix_index *ix, uint32_t hi, uint32_t lo) {
  return ix ? scan(ix, hi, lo) : -1;
}

int32_t eix_find_batch(const eix_index *ix, const uint32_t *his, const uint32_t *los, uint32_t n, int32_t *out) {
  if (!ix || (n > 0 && (!his || !los || !out))) return -1;
  int32_t hits = 0;
  if (n < 4) { /* too few misses to overlap: staging would only add work */
    for (uint32_t i = 0; i < n; i++) hits += (out[i] = scan(ix, his[i], los[i])) >= 0;
    return hits;
  }
  uint32_t start[GROUP], end[GROUP];
  for (uint32_t g = 0; g < n; g += GROUP) {
    const uint32_t m = n - g < GROUP ? n - g : GROUP;
    const uint32_t *h = his + g;
    /* 1: every key's directory entry on its way. */
    for (uint32_t j = 0; j < m; j++) __builtin_prefetch(&ix->buckets[h[j] >> ix->shift]);
    /* 2: the first load waits one miss, the rest have arrived meanwhile; every bucket's keys on their way (4–8 keys: one or two lines). */
    for (uint32_t j = 0; j < m; j++) {
      const uint32_t b = h[j] >> ix->shift;
      start[j] = ix->buckets[b];
      end[j] = ix->buckets[b + 1];
      if (start[j] < end[j]) {
        __builtin_prefetch(key_at(ix, start[j]));
        __builtin_prefetch(key_at(ix, end[j] - 1));
      }
    }
    /* 3: the scans, again one miss's wait for the whole group. */
    for (uint32_t j = 0; j < m; j++) {
      const uint64_t key = (uint64_t)h[j] << 32 | los[g + j];
      int32_t p = -1;
      for (uint32_t q = start[j]; q < end[j]; q++) {
        const uint64_t k = *key_at(ix, q);
        if (k >= key) {
          p = k == key ? (int32_t)q : -1;
          break;
        }
      }
      out[g + j] = p;
      hits += p >= 0;
    }
  }
  return hits;
}

/* ---- info, payload, lifetime -------------------------------------------------------------------- */

int32_t eix_info(const eix_index *ix, uint64_t *out, uint32_t n) {
  if (!ix || (n > 0 && !out)) return -1;
  const uint64_t v[EIX_INFO_COUNT] = {ix->entries, ix->seed, ix->dir_bits, ix->shard_bits, ix->shards, ix->mapped_bytes};
  uint32_t m = n < EIX_INFO_COUNT ? n : EIX_INFO_COUNT;
  memcpy(out, v, m * sizeof *out);
  return (int32_t)m;
}

const uint8_t *eix_payload_data(const eix_index *ix, uint32_t shard) {
  return ix && shard < ix->shards ? ix->payloads[shard] : NULL;
}

void eix_retain(eix_index *ix) {
  if (ix) atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
}

void eix_release_view(void *bytes, void *ctx) {
  (void)bytes;
  eix_index *ix = ctx;
  if (ix && atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) == 1) unmap_all(ix);
}

void eix_close(eix_index *ix) {
  eix_release_view(NULL, ix);
}

/* ---- the answer's fields ------------------------------------------------------------------------ */
/*
 * json-bytes.ts writes a hit's fields in JS, a handful of typed reads and
 * byte stores per field; here the same bytes cost a few nanoseconds each
 * (FINDINGS.md §25). The pieces of text (keys, tier and country JSON, tag
 * names) come from the TypeScript tables, so the wire format and the rules
 * stay defined there; only numbers, the date and the name are formatted here,
 * exactly as JSON.stringify writes them (test/enrich/native-fields.test.ts
 * checks every score, every day and the corrupt entries against the JS writer).
 */

struct piece {
  const uint8_t *at;
  uint32_t len;
};

struct eix_lexicon {
  uint8_t *text;
  struct piece fixed[EIX_LEX_FIXED];
  struct piece tag[EIX_LEX_MAX_TAGS];
  uint32_t tag_bit[EIX_LEX_MAX_TAGS];
  uint32_t tags;
  struct piece tier[EIX_LEX_TIERS];
  struct piece country[EIX_LEX_COUNTRIES];
  uint32_t max_fields;
};

eix_lexicon *eix_lexicon_new(const uint8_t *text, uint32_t text_len, const uint32_t *spans, uint32_t nspans, const uint8_t *tag_bits, uint32_t ntags) {
  if (!text || !spans || ntags > EIX_LEX_MAX_TAGS || (ntags > 0 && !tag_bits)) return NULL;
  if (nspans != EIX_LEX_FIXED + ntags + EIX_LEX_TIERS + EIX_LEX_COUNTRIES) return NULL;
  for (uint32_t k = 0; k < nspans; k++)
    if ((uint64_t)spans[2 * k] + spans[2 * k + 1] > text_len) return NULL;
  for (uint32_t i = 0; i < ntags; i++)
    if (tag_bits[i] > 31) return NULL;
  eix_lexicon *lx = calloc(1, sizeof *lx);
  if (!lx) return NULL;
  lx->text = malloc(text_len ? text_len : 1);
  if (!lx->text) {
    free(lx);
    return NULL;
  }
  memcpy(lx->text, text, text_len);
  const uint32_t *s = spans;
#define TAKE(p) ((p).at = lx->text + s[0], (p).len = s[1], s += 2, (p).len)
  uint32_t most = 0, tier_most = 0, country_most = 0, tags_all = 0, len;
  /* The head pieces (OPEN … MISS) are not part of a hit's fields. */
  for (uint32_t k = 0; k < EIX_LEX_FIXED; k++) len = TAKE(lx->fixed[k]), most += k <= EIX_LEX_END ? len : 0;
  for (uint32_t i = 0; i < ntags; i++) tags_all += TAKE(lx->tag[i]) + 1, lx->tag_bit[i] = tag_bits[i];
  for (uint32_t t = 0; t < EIX_LEX_TIERS; t++)
    if ((len = TAKE(lx->tier[t])) > tier_most) tier_most = len;
  for (uint32_t c = 0; c < EIX_LEX_COUNTRIES; c++)
    if ((len = TAKE(lx->country[c])) > country_most) country_most = len;
#undef TAKE
  lx->tags = ntags;
  /* u32 10 digits, u16 5, a score "6.5535" 6, the date 20, the quoted name 2 + 28. */
  lx->max_fields = most + tags_all + tier_most + country_most + 10 + 5 + 6 + 20 + 2 + (PAYLOAD_BYTES - 20);
  return lx;
}

uint32_t eix_lexicon_max_fields(const eix_lexicon *lx) {
  return lx ? lx->max_fields : 0;
}

void eix_lexicon_free(eix_lexicon *lx) {
  if (!lx) return;
  free(lx->text);
  free(lx);
}

static inline uint8_t *put_piece(uint8_t *o, struct piece p) {
  memcpy(o, p.at, p.len);
  return o + p.len;
}

static inline uint8_t *put_u32(uint8_t *o, uint32_t v) {
  uint8_t tmp[10];
  uint32_t k = 0;
  do {
    tmp[k++] = (uint8_t)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k) *o++ = tmp[--k];
  return o;
}

static inline uint8_t *put_2(uint8_t *o, uint32_t v) {
  o[0] = (uint8_t)('0' + v / 10);
  o[1] = (uint8_t)('0' + v % 10);
  return o + 2;
}

/* String(v / 10000) for a u16: the shortest text that reads back as that double is the exact decimal, trailing zeros dropped. */
static inline uint8_t *put_score(uint8_t *o, uint32_t v) {
  o = put_u32(o, v / 10000);
  uint32_t f = v % 10000;
  if (!f) return o;
  uint8_t d[4] = {(uint8_t)(f / 1000), (uint8_t)(f / 100 % 10), (uint8_t)(f / 10 % 10), (uint8_t)(f % 10)};
  uint32_t len = 4;
  while (d[len - 1] == 0) len--;
  *o++ = '.';
  for (uint32_t i = 0; i < len; i++) *o++ = (uint8_t)('0' + d[i]);
  return o;
}

/* v9-arithmetic-date.ts's isoSecondsByArithmetic: epoch seconds → "YYYY-MM-DDTHH:MM:SSZ" (Hinnant's days-to-civil; years 1970–2106). */
static inline uint8_t *put_iso(uint8_t *o, uint32_t s) {
  const uint32_t days = s / 86400, rest = s % 86400;
  const uint32_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  const uint32_t y = yoe + era * 400 + (m <= 2);
  o = put_2(o, y / 100);
  o = put_2(o, y % 100);
  *o++ = '-';
  o = put_2(o, m);
  *o++ = '-';
  o = put_2(o, d);
  *o++ = 'T';
  o = put_2(o, rest / 3600);
  *o++ = ':';
  o = put_2(o, rest % 3600 / 60);
  *o++ = ':';
  o = put_2(o, rest % 60);
  *o++ = 'Z';
  return o;
}

/* A byte JSON.stringify writes as itself: printable ASCII other than a quote or a backslash. */
static inline int plain(uint8_t c) {
  return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/* The fields of one payload, account … name (json-bytes.ts putFields); NULL when this entry needs the JS writer. */
static inline uint8_t *put_fields(uint8_t *o, const eix_lexicon *lx, const uint8_t *b) {
  const struct piece country = lx->country[(uint32_t)b[6] << 8 | b[7]], tier = lx->tier[b[8]];
  if (!country.len || !tier.len) return NULL;
  o = put_piece(o, lx->fixed[EIX_LEX_ACCOUNT]);
  o = put_u32(o, u32_at(b));
  o = put_piece(o, lx->fixed[EIX_LEX_SEGMENT]);
  o = put_u32(o, (uint32_t)b[4] | (uint32_t)b[5] << 8);
  o = put_piece(o, country);
  o = put_piece(o, tier);
  o = put_score(o, (uint32_t)b[10] | (uint32_t)b[11] << 8);
  o = put_piece(o, lx->fixed[EIX_LEX_TAGS_OPEN]);
  const uint32_t bits = u32_at(b + 12);
  int first = 1;
  for (uint32_t i = 0; i < lx->tags; i++) {
    if (!(bits >> lx->tag_bit[i] & 1)) continue;
    if (!first) *o++ = ',';
    first = 0;
    o = put_piece(o, lx->tag[i]);
  }
  o = put_piece(o, lx->fixed[EIX_LEX_TAGS_CLOSE]);
  o = put_iso(o, u32_at(b + 16));
  o = put_piece(o, lx->fixed[EIX_LEX_NAME]);
  *o++ = '"';
  for (uint32_t j = 20; j < PAYLOAD_BYTES && b[j]; j++) {
    if (!plain(b[j])) return NULL;
    *o++ = b[j];
  }
  *o++ = '"';
  return o;
}

/* Hits ahead of the one being written whose payloads are already on their way from memory. */
#define PAYLOAD_AHEAD 8u

int32_t eix_write_answer(const eix_lexicon *lx, const uint64_t *shard_addrs, uint32_t shard_count, uint32_t shard_bits, uint32_t entries,
                         const uint8_t *heads, const int32_t *head_ends, const int32_t *positions, uint32_t n, uint8_t *out, uint32_t out_cap) {
  if (!lx || (n > 0 && (!heads || !head_ends || !positions || !out)) || shard_bits > 31 || n > (uint32_t)INT32_MAX + EIX_WRITE_ENTRY) return EIX_WRITE_BAD_ARGS;
  for (uint32_t i = 0; i < n; i++)
    if (positions[i] >= (int64_t)entries || (positions[i] >= 0 && ((uint32_t)positions[i] >> shard_bits >= shard_count || !shard_addrs[(uint32_t)positions[i] >> shard_bits])))
      return EIX_WRITE_BAD_ARGS;
  const uint32_t mask = (uint32_t)((1ull << shard_bits) - 1);
#define PAYLOAD(pos) ((const uint8_t *)(uintptr_t)shard_addrs[(uint32_t)(pos) >> shard_bits] + (size_t)((uint32_t)(pos) & mask) * PAYLOAD_BYTES)
  for (uint32_t i = 0; i < n && i < PAYLOAD_AHEAD; i++)
    if (positions[i] >= 0) __builtin_prefetch(PAYLOAD(positions[i])), __builtin_prefetch(PAYLOAD(positions[i]) + PAYLOAD_BYTES - 1);
  uint8_t *o = out;
  const uint8_t *const end = out + out_cap;
  int32_t from = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (i + PAYLOAD_AHEAD < n && positions[i + PAYLOAD_AHEAD] >= 0) {
      const uint8_t *ahead = PAYLOAD(positions[i + PAYLOAD_AHEAD]);
      __builtin_prefetch(ahead);
      __builtin_prefetch(ahead + PAYLOAD_BYTES - 1);
    }
    const int32_t to = head_ends[i];
    if (to < from) return EIX_WRITE_BAD_ARGS;
    if ((size_t)(end - o) < (size_t)(to - from) + lx->max_fields) return EIX_WRITE_ROOM;
    memcpy(o, heads + from, (size_t)(to - from));
    o += to - from;
    from = to;
    if (positions[i] >= 0 && !(o = put_fields(o, lx, PAYLOAD(positions[i])))) return EIX_WRITE_ENTRY - (int32_t)i;
    o = put_piece(o, lx->fixed[EIX_LEX_END]);
  }
#undef PAYLOAD
  return (int32_t)(o - out);
}

/* ---- the heads, from the request body ----------------------------------------------------------- */
/*
 * A request JSON.stringify wrote ({"events":[{"key":…,"attrs":{…}},…]}) already holds
 * every head's key and attrs as the bytes writeHeads would write: JSON.parse turns
 * a string with no backslash and no control byte into exactly the UTF-16 of its
 * UTF-8 bytes, and JSON.stringify writes that string back as the same bytes. So
 * such a body is copied rather than walked property by property in JS
 * (FINDINGS.md §29). Anything else (whitespace, an escape, another member, a name
 * twice, which JSON.parse would collapse) is refused, and the JS writer answers.
 */

/* Names one attrs object may hold before the copy gives up (the service's limit is far below). */
#define HEADS_MAX_NAMES 256u

static inline int take(const uint8_t **p, const uint8_t *end, const char *lit, size_t len) {
  if ((size_t)(end - *p) < len || memcmp(*p, lit, len) != 0) return 0;
  *p += len;
  return 1;
}
#define TAKE_LIT(p, end, lit) take(p, end, lit, sizeof lit - 1)

#define BYTES_OF(b) ((uint64_t)(b) * 0x0101010101010101ull)
#define HIGH_BITS BYTES_OF(0x80)
/* The count of bytes whose high bit is set in m, a mask with only high bits (one per byte). */
static inline uint32_t high_bit_count(uint64_t m) {
  return (uint32_t)(((m >> 7) * 0x0101010101010101ull) >> 56);
}

/* A string with no escape and no control byte, quotes included, whose content is at most max_units UTF-16 units
 * (JavaScript's length: a 4-byte UTF-8 sequence is 2 units; the service has already refused bytes that are not
 * UTF-8); its end, or NULL. */
static inline const uint8_t *skip_counted(const uint8_t *p, const uint8_t *end, uint32_t max_units) {
  if (p >= end || *p != '"') return NULL;
  uint32_t units = 0;
  /* Eight bytes at a time, flagging quotes, backslashes and control bytes (each test may also flag bytes after a true
   * hit, never one before it, so the first flagged byte is a real one). A continuation byte (10xxxxxx) is no unit,
   * a 4-byte leader (11110xxx) is two. */
  for (p++; end - p >= 8; p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t q = w ^ BYTES_OF('"'), b = w ^ BYTES_OF('\\');
    const uint64_t special = (((q - BYTES_OF(1)) & ~q) | ((b - BYTES_OF(1)) & ~b) | ((w - BYTES_OF(0x20)) & ~w)) & HIGH_BITS;
    uint64_t continuation = w & ~(w << 1) & HIGH_BITS;
    uint64_t four_lead = w & (w << 1) & (w << 2) & (w << 3) & HIGH_BITS;
    if (special) {
      const unsigned at = (unsigned)__builtin_ctzll(special) >> 3;
      if (p[at] != '"') return NULL;
      const uint64_t before = at ? ~(uint64_t)0 >> (64 - 8 * at) : 0;
      continuation &= before, four_lead &= before;
      units += at - high_bit_count(continuation) + high_bit_count(four_lead);
      return units <= max_units ? p + at + 1 : NULL;
    }
    units += 8 - high_bit_count(continuation) + high_bit_count(four_lead);
  }
  for (; p < end; p++) {
    const uint8_t c = *p;
    if (c == '"') return units <= max_units ? p + 1 : NULL;
    if (c == '\\' || c < 0x20) return NULL;
    units += (c & 0xC0) != 0x80;
    units += c >= 0xF0;
  }
  return NULL;
}

/* Whether the name s[0, n) is an array index (a canonical decimal below 2^32 - 1): JavaScript enumerates such names
 * first, whatever their order in the body, so the service re-parses in source order; this check leaves that to it. */
static inline int array_index(const uint8_t *s, size_t n) {
  if (n == 0 || n > 10 || s[0] < '0' || s[0] > '9' || (s[0] == '0' && n > 1)) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  return v < 4294967295u;
}

/*
 * The attrs object of the one form, from just after its '{': names and values strings of at most max_units units
 * each, at most max_names names, no name twice, and with refuse_index no name that is an array index. Its end (just
 * past the '}'), or NULL.
 */
static const uint8_t *form_attrs(const uint8_t *p, const uint8_t *end, uint32_t max_names, uint32_t max_units, int refuse_index) {
  const uint8_t *names[HEADS_MAX_NAMES];
  uint32_t name_len[HEADS_MAX_NAMES];
  if (max_names > HEADS_MAX_NAMES) max_names = HEADS_MAX_NAMES;
  if (p < end && *p == '}') return p + 1;
  for (uint32_t count = 0;;) {
    const uint8_t *const name = p;
    if (!(p = skip_counted(p, end, max_units))) return NULL;
    const uint32_t len = (uint32_t)(p - name);
    if (refuse_index && array_index(name + 1, len - 2)) return NULL;
    for (uint32_t j = 0; j < count; j++)
      if (name_len[j] == len && memcmp(names[j], name, len) == 0) return NULL;
    if (count == max_names) return NULL;
    names[count] = name, name_len[count++] = len;
    if (!TAKE_LIT(&p, end, ":") || !(p = skip_counted(p, end, max_units))) return NULL;
    if (p < end && *p == '}') return p + 1;
    if (!TAKE_LIT(&p, end, ",")) return NULL;
  }
}

int32_t eix_body_heads(const eix_lexicon *lx, const uint8_t *body, uint32_t body_len, const int32_t *positions, uint32_t n, uint8_t *out,
                       uint32_t out_cap, int32_t *head_ends) {
  if (!lx || !body || !positions || !out || !head_ends || n > (uint32_t)INT32_MAX) return EIX_WRITE_BAD_ARGS;
  const uint8_t *p = body, *const end = body + body_len;
  uint8_t *o = out, *const o_end = out + out_cap;
  const struct piece open = lx->fixed[EIX_LEX_OPEN], key = lx->fixed[EIX_LEX_KEY], hit = lx->fixed[EIX_LEX_HIT], miss = lx->fixed[EIX_LEX_MISS];
  const uint32_t fixed_most = 1 + key.len + (hit.len > miss.len ? hit.len : miss.len);
  if (!TAKE_LIT(&p, end, "{\"events\":[") || n == 0) return EIX_HEADS_OTHER;
  if ((size_t)(o_end - o) < open.len) return EIX_WRITE_ROOM;
  o = put_piece(o, open);
  for (uint32_t i = 0;; i++) {
    if (i >= n || !TAKE_LIT(&p, end, "{\"key\":\"")) return EIX_HEADS_OTHER;
    const uint8_t *const k = p - 1;
    while (p < end && *p >= '0' && *p <= '9') p++;
    if (p == k + 1 || !TAKE_LIT(&p, end, "\"")) return EIX_HEADS_OTHER;
    const uint8_t *const k_end = p;
    if (!TAKE_LIT(&p, end, ",\"attrs\":{")) return EIX_HEADS_OTHER;
    const uint8_t *const a = p - 1;
    if (!(p = form_attrs(p, end, HEADS_MAX_NAMES, UINT32_MAX, 0))) return EIX_HEADS_OTHER;
    const uint8_t *const a_end = p;
    if (!TAKE_LIT(&p, end, "}")) return EIX_HEADS_OTHER;
    if ((size_t)(o_end - o) < fixed_most + (size_t)(k_end - k) + (size_t)(a_end - a)) return EIX_WRITE_ROOM;
    if (i > 0) *o++ = ',';
    o = put_piece(o, key);
    memcpy(o, k, (size_t)(k_end - k));
    o += k_end - k;
    o = put_piece(o, positions[i] >= 0 ? hit : miss);
    memcpy(o, a, (size_t)(a_end - a));
    o += a_end - a;
    head_ends[i] = (int32_t)(o - out);
    if (TAKE_LIT(&p, end, ",")) continue;
    if (i + 1 != n || !TAKE_LIT(&p, end, "]}") || p != end) return EIX_HEADS_OTHER;
    return (int32_t)(o - out);
  }
}

/* ---- The body's nesting depth (src/http/nesting.ts's scan, for v19-native-depth) ---- */

/*
 * A byte-at-a-time scan mispredicts a branch at every string edge (measured: 2.6 ns a byte in C, slower than the
 * JIT's loop). So 64-byte blocks are classified at once into bit masks (quote, backslash, open, close), the bytes
 * inside strings found by a prefix XOR of the quote bits, and the depth moved by popcounts; brackets are walked one
 * by one only when a block could pass the deepest depth so far. A block with a backslash in it, or one starting
 * right after a backslash, is scanned byte by byte (depth_bytes), so an escape means exactly what nesting.ts says:
 * inside a string it hides the next byte, outside one it is nothing.
 */
struct depth_state {
  int64_t depth, deepest;
  int in_string, escaped;
};

/* nesting.ts's loop over [p, end) from state s; 1 as soon as the depth passes max. */
static int depth_bytes(struct depth_state *s, const uint8_t *p, const uint8_t *end, int64_t max) {
  for (; p < end; p++) {
    const uint8_t c = *p;
    if (s->escaped) s->escaped = 0;
    else if (s->in_string) {
      if (c == '\\') s->escaped = 1;
      else if (c == '"') s->in_string = 0;
    } else if (c == '"') s->in_string = 1;
    else if (c == '[' || c == '{') {
      if (++s->depth > s->deepest && (s->deepest = s->depth) > max) return 1;
    } else if (c == ']' || c == '}')
      s->depth--;
  }
  return 0;
}

struct depth_masks {
  uint64_t quote, backslash, open, close;
};

#if defined(__SSE2__)
#include <emmintrin.h>
static inline struct depth_masks depth_classify(const uint8_t *p) {
  struct depth_masks m = {0, 0, 0, 0};
  for (int k = 0; k < 4; k++) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    const unsigned sh = 16u * (unsigned)k;
    m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) << sh;
    m.backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))) << sh;
    /* '[' 0x5b and '{' 0x7b differ only in bit 0x20, as do ']' 0x5d and '}' 0x7d. */
    const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    m.open |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{'))) << sh;
    m.close |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}'))) << sh;
  }
  return m;
}
#else
static inline struct depth_masks depth_classify(const uint8_t *p) {
  struct depth_masks m = {0, 0, 0, 0};
  for (unsigned i = 0; i < 64; i++) {
    const uint8_t c = p[i], f = c | 0x20;
    m.quote |= (uint64_t)(c == '"') << i;
    m.backslash |= (uint64_t)(c == '\\') << i;
    m.open |= (uint64_t)(f == '{') << i;
    m.close |= (uint64_t)(f == '}') << i;
  }
  return m;
}
#endif

/* Bit i = XOR of bits 0..i: with quote bits, 1 from an opening quote up to (not including) its closing one. */
static inline uint64_t prefix_xor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

/* Without POPCNT (not in baseline x86-64) each popcount is a libgcc call: 0.5% of a saturated fat request. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("popcnt", "default")))
#endif
int32_t eix_nesting_depth(const uint8_t *bytes, uint32_t len, uint32_t max) {
  if ((!bytes && len > 0) || max >= (uint32_t)INT32_MAX) return -1;
  struct depth_state s = {0, 0, 0, 0};
  const int64_t top = max;
  const uint8_t *p = bytes, *const end = bytes + len;
  for (; end - p >= 64; p += 64) {
    const struct depth_masks m = depth_classify(p);
    if (m.backslash || s.escaped) {
      if (depth_bytes(&s, p, p + 64, top)) return (int32_t)s.deepest;
      continue;
    }
    const uint64_t inside = prefix_xor(m.quote) ^ (s.in_string ? ~(uint64_t)0 : 0);
    s.in_string = (int)(inside >> 63);
    const uint64_t opens = m.open & ~inside, closes = m.close & ~inside;
    if (s.depth + __builtin_popcountll(opens) <= s.deepest) {
      s.depth += __builtin_popcountll(opens) - __builtin_popcountll(closes);
      continue;
    }
    /* This block may set a new deepest: its brackets in order. */
    for (uint64_t b = opens | closes; b; b &= b - 1) {
      if (opens & b & -b) {
        if (++s.depth > s.deepest && (s.deepest = s.depth) > top) return (int32_t)s.deepest;
      } else
        s.depth--;
    }
  }
  depth_bytes(&s, p, end, top);
  return (int32_t)s.deepest;
}

/* ---- The request body's checks, for a body in JSON.stringify's form (v22-native-checks; the form's walk is above) ---- */

/* eix_body_valid's walk; with his and los, key i's u32 halves go to his[i] and los[i], up to cap events. */
static int32_t body_valid(const uint8_t *body, uint32_t body_len, uint32_t max_events, uint32_t max_attrs, uint32_t max_chars, uint32_t *his,
                          uint32_t *los, uint32_t cap) {
  static const char U64_MAX_DIGITS[] = "18446744073709551615";
  const uint8_t *p = body, *const end = body + body_len;
  if (!TAKE_LIT(&p, end, "{\"events\":[")) return EIX_HEADS_OTHER;
  for (uint32_t n = 1;; n++) {
    if (n > max_events || !TAKE_LIT(&p, end, "{\"key\":\"")) return EIX_HEADS_OTHER;
    /* The key: 1-20 digits, no leading zero but "0" itself, at most 2^64 - 1. */
    const uint8_t *const k = p;
    uint64_t key = 0;
    while (p < end && *p >= '0' && *p <= '9') key = key * 10 + (uint64_t)(*p++ - '0');
    const size_t digits = (size_t)(p - k);
    if (digits == 0 || digits > 20 || (k[0] == '0' && digits > 1)) return EIX_HEADS_OTHER;
    if (digits == 20 && memcmp(k, U64_MAX_DIGITS, 20) > 0) return EIX_HEADS_OTHER;
    if (!TAKE_LIT(&p, end, "\",\"attrs\":{")) return EIX_HEADS_OTHER;
    if (!(p = form_attrs(p, end, max_attrs, max_chars, 1)) || !TAKE_LIT(&p, end, "}")) return EIX_HEADS_OTHER;
    if (his) {
      if (n > cap) return EIX_WRITE_ROOM;
      his[n - 1] = (uint32_t)(key >> 32);
      los[n - 1] = (uint32_t)key;
    }
    if (TAKE_LIT(&p, end, ",")) continue;
    if (!TAKE_LIT(&p, end, "]}") || p != end) return EIX_HEADS_OTHER;
    return (int32_t)n;
  }
}

int32_t eix_body_valid(const uint8_t *body, uint32_t body_len, uint32_t max_events, uint32_t max_attrs, uint32_t max_chars) {
  if (!body) return EIX_WRITE_BAD_ARGS;
  return body_valid(body, body_len, max_events, max_attrs, max_chars, NULL, NULL, 0);
}

int32_t eix_body_keys(const uint8_t *body, uint32_t body_len, uint32_t max_events, uint32_t max_attrs, uint32_t max_chars, uint32_t *his,
                      uint32_t *los, uint32_t cap) {
  if (!body || !his || !los) return EIX_WRITE_BAD_ARGS;
  return body_valid(body, body_len, max_events, max_attrs, max_chars, his, los, cap);
}
