/*
 * enrich_index.h — the enrich index (src/index/format.ts, version 1) read from C.
 *
 * Build: gcc -O2 -shared -fPIC -o libenrich_index.so enrich_index.c
 * (src/index/native-build.ts does this on first use; docs/native.md).
 *
 * The library maps every file of an index directory read-only itself
 * (O_RDONLY, PROT_READ, MAP_SHARED), checks it as src/index/open.ts does, and
 * answers lookups a batch per call with software prefetching across the batch,
 * and writes a batch's answer: JS's heads joined with each hit's fields.
 * Nothing here aborts: failure is NULL or -1, with a message where one fits.
 * Every function may be called from one thread at a time per handle, except
 * the lookups, which only read and may run concurrently.
 */
#ifndef ENRICH_INDEX_H
#define ENRICH_INDEX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open, checked index; opaque. */
typedef struct eix_index eix_index;

/* Data checksums at open: the directory's always; the others as the mode says. */
enum { EIX_VERIFY_HEADERS = 0, EIX_VERIFY_AUTO = 1, EIX_VERIFY_FULL = 2 };

/* Slots of the array eix_info fills. */
enum { EIX_INFO_ENTRIES = 0, EIX_INFO_SEED, EIX_INFO_DIR_BITS, EIX_INFO_SHARD_BITS, EIX_INFO_SHARDS, EIX_INFO_MAPPED_BYTES, EIX_INFO_COUNT };

/* eix_open maps and checks the index in dir; on failure it returns NULL and writes "FILE\0PROBLEM\0" (truncated to err_cap bytes) into err. */
eix_index *eix_open(const char *dir, int32_t verify, char *err, uint32_t err_cap);

/* eix_info writes up to n of the EIX_INFO_* values into out and returns how many it wrote, or -1 for a NULL handle. */
int32_t eix_info(const eix_index *ix, uint64_t *out, uint32_t n);

/* eix_payload_data returns the first payload byte of shard (48 bytes per entry, in position order), or NULL if there is no such shard. */
const uint8_t *eix_payload_data(const eix_index *ix, uint32_t shard);

/* eix_find returns the position of the key hi:lo (0 <= pos < entries), or -1 for a miss or a NULL handle. */
int32_t eix_find(const eix_index *ix, uint32_t hi, uint32_t lo);

/* eix_find_batch writes the position of each key his[i]:los[i] (or -1) to out[i] for i < n, and returns the number of hits, or -1 for a NULL handle or array. */
int32_t eix_find_batch(const eix_index *ix, const uint32_t *his, const uint32_t *los, uint32_t n, int32_t *out);

/* eix_retain adds a reference to the mappings (one per view handed out); eix_release_view drops it. */
void eix_retain(eix_index *ix);

/* eix_release_view drops one reference taken by eix_retain; its signature is a JSC typed-array deallocator (bytes, context = the handle). */
void eix_release_view(void *bytes, void *ix);

/* eix_close drops the opener's reference; the files are unmapped once no view holds one. NULL is a no-op. */
void eix_close(eix_index *ix);

/* ---- The answer's fields, written from the payload (src/enrich/ladder/native-fields.ts) ---- */

/* The JSON pieces of a hit's fields, copied once at start-up; opaque. */
typedef struct eix_lexicon eix_lexicon;

/* Pieces of the lexicon, in this order: the fixed ones, then the tag names in priority order, then one per tier byte, then one per country (b6 << 8 | b7). */
enum { EIX_LEX_ACCOUNT = 0, EIX_LEX_SEGMENT, EIX_LEX_TAGS_OPEN, EIX_LEX_TAGS_CLOSE, EIX_LEX_NAME, EIX_LEX_END, EIX_LEX_OPEN, EIX_LEX_KEY, EIX_LEX_HIT, EIX_LEX_MISS, EIX_LEX_FIXED };
enum { EIX_LEX_TIERS = 256, EIX_LEX_COUNTRIES = 65536, EIX_LEX_MAX_TAGS = 32 };

/* Failures of eix_write_answer and eix_body_heads; an entry eix_write_answer cannot write is EIX_WRITE_ENTRY - i. */
enum { EIX_WRITE_BAD_ARGS = -1, EIX_WRITE_ROOM = -2, EIX_WRITE_ENTRY = -3 };
/* eix_body_heads: the body is not in the one form it copies from (the JS writer answers). */
enum { EIX_HEADS_OTHER = -3 };

/* eix_lexicon_new copies piece k = text[spans[2k], +spans[2k+1]) for k < EIX_LEX_FIXED + ntags + EIX_LEX_TIERS + EIX_LEX_COUNTRIES (length 0: no rule for that tier or country), tag i's payload bit being tag_bits[i]; NULL for a span outside text, ntags > 32 or a bit > 31. */
eix_lexicon *eix_lexicon_new(const uint8_t *text, uint32_t text_len, const uint32_t *spans, uint32_t nspans, const uint8_t *tag_bits, uint32_t ntags);

/* eix_lexicon_max_fields returns the most bytes one hit's fields and the END piece can take, or 0 for a NULL lexicon. */
uint32_t eix_lexicon_max_fields(const eix_lexicon *lx);

/* eix_lexicon_free frees a lexicon; NULL is a no-op. */
void eix_lexicon_free(eix_lexicon *lx);

/*
 * eix_write_answer writes, for each i < n, heads[head_ends[i-1] (0 for i = 0), head_ends[i]), then the fields of
 * the payload at positions[i] when it is >= 0 (shard pos >> shard_bits of the shard_count payload bases at shard_addrs,
 * 48 bytes per entry), then the END piece, into out; it returns the bytes written, EIX_WRITE_ROOM when out_cap is too
 * small, EIX_WRITE_ENTRY - i for an entry whose tier or country has no piece or whose name needs a JSON escape,
 * and EIX_WRITE_BAD_ARGS for NULLs, ends out of order or a position at or past entries.
 */
int32_t eix_write_answer(const eix_lexicon *lx, const uint64_t *shard_addrs, uint32_t shard_count, uint32_t shard_bits, uint32_t entries,
                         const uint8_t *heads, const int32_t *head_ends, const int32_t *positions, uint32_t n, uint8_t *out, uint32_t out_cap);

/*
 * eix_body_heads writes into out what json-bytes.ts writeHeads writes for the request whose body is, byte for byte,
 * {"events":[E,...]} with n >= 1 events E = {"key":"<digits>","attrs":{"<name>":"<value>",...}}: no whitespace, no
 * other member, no backslash or control byte in a string, no name twice in one attrs (the form JSON.stringify gives
 * such a request, whose every string it writes as the bytes it was parsed from). That is the OPEN piece, then for
 * each event i a comma (not before the first), KEY, the quoted key, HIT when positions[i] >= 0 else MISS, and the
 * attrs object as they are in the body; head_ends[i] is the end of head i. Returns the bytes written,
 * EIX_HEADS_OTHER for a body in any other form or with other than n events, EIX_WRITE_ROOM when out_cap is too
 * small, EIX_WRITE_BAD_ARGS for NULLs.
 */
int32_t eix_body_heads(const eix_lexicon *lx, const uint8_t *body, uint32_t body_len, const int32_t *positions, uint32_t n, uint8_t *out,
                       uint32_t out_cap, int32_t *head_ends);

/* ---- The request body's nesting depth (src/http/nesting.ts; v19-native-depth) ---- */

/*
 * eix_nesting_depth returns the deepest array/object nesting in the JSON bytes[0, len), or stops and returns max + 1
 * as soon as the depth passes max; brackets inside strings do not count, a backslash in a string escapes the byte
 * after it, and malformed input is only counted (nesting.ts's nestingDepth, byte for byte). -1 for NULL bytes with
 * len > 0 or max >= INT32_MAX.
 */
int32_t eix_nesting_depth(const uint8_t *bytes, uint32_t len, uint32_t max);

/* ---- The request body's checks (src/http/one-pass.ts and schema.ts's, for one form of body; v22-native-checks) ---- */

/*
 * eix_body_valid returns n when the body is, byte for byte, {"events":[E,...]} with 1 <= n <= max_events events
 * E = {"key":"<digits>","attrs":{"<name>":"<value>",...}} (eix_body_heads' form: no whitespace, no other member, no
 * backslash or control byte in a string, no name twice in one attrs) that passes every check the service makes of a
 * parsed body: a canonical decimal key of at most 2^64 - 1, at most max_attrs attrs, names and values of at most
 * max_chars UTF-16 units, and no name that is an array index (which JavaScript would enumerate out of source order).
 * Any other body, valid or not, is EIX_HEADS_OTHER: the service's own checks answer it. -1 for NULL. The body must
 * already be known to be UTF-8.
 */
int32_t eix_body_valid(const uint8_t *body, uint32_t body_len, uint32_t max_events, uint32_t max_attrs, uint32_t max_chars);

/*
 * eix_body_keys is eix_body_valid that also writes event i's key as its u32 halves into his[i] and los[i]
 * (v23-unparsed-body: the service then neither decodes nor parses such a body). Returns n as eix_body_valid does,
 * EIX_HEADS_OTHER as it does, EIX_WRITE_ROOM when the body has more than cap events, -1 for NULL.
 */
int32_t eix_body_keys(const uint8_t *body, uint32_t body_len, uint32_t max_events, uint32_t max_attrs, uint32_t max_chars, uint32_t *his,
                      uint32_t *los, uint32_t cap);

#ifdef __cplusplus
}
#endif

#endif
