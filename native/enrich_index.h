/*
 * enrich_index.h — the enrich index (src/index/format.ts, version 1) read from C.
 *
 * Build: gcc -O2 -shared -fPIC -o libenrich_index.so enrich_index.c
 * (src/index/native-build.ts does this on first use; docs/native.md).
 *
 * The library maps every file of an index directory read-only itself
 * (O_RDONLY, PROT_READ, MAP_SHARED), checks it as src/index/open.ts does, and
 * answers lookups a batch per call with software prefetching across the batch.
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

#ifdef __cplusplus
}
#endif

#endif
