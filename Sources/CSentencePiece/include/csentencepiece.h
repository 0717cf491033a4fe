#ifndef GLMCHAT_CSENTENCEPIECE_H
#define GLMCHAT_CSENTENCEPIECE_H
/*
 * A small C API over sentencepiece::SentencePieceProcessor, for Swift.
 *
 * No C++ exception crosses this boundary: every entry point catches everything and reports
 * failure through its return value. Ownership:
 *   - a csp_processor comes from csp_create_* and is released with csp_free;
 *   - every `char **error`, `char **out_text` and `int32_t **out_ids` result is malloc'd and
 *     belongs to the caller, who releases it with free() (NULL when nothing was produced);
 *   - csp_id_to_piece returns a pointer into the processor, valid until csp_free.
 * A processor is immutable once created; the const queries below may run concurrently.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csp_processor csp_processor;

/* Piece type flags returned by csp_piece_flags. */
enum {
    CSP_PIECE_BYTE = 1,
    CSP_PIECE_CONTROL = 2,
    CSP_PIECE_UNKNOWN = 4,
    CSP_PIECE_UNUSED = 8,
};

/* Loads a model file. Returns NULL on failure and sets *error (if error is not NULL). */
csp_processor *csp_create_from_file(const char *path, char **error);

/* Loads a model from its serialized ModelProto bytes. Returns NULL on failure and sets *error. */
csp_processor *csp_create_from_bytes(const void *bytes, size_t length, char **error);

void csp_free(csp_processor *processor);

/* Number of pieces in the model (ids 0 ..< count). */
int32_t csp_piece_count(const csp_processor *processor);

/* Encodes `length` bytes of UTF-8 text. Returns 0 on success with *out_ids (malloc'd, may be
 * NULL when *out_count is 0) and *out_count set; returns -1 on failure and sets *error. */
int csp_encode(const csp_processor *processor, const char *text, size_t length,
               int32_t **out_ids, size_t *out_count, char **error);

/* Decodes ids (each in 0 ..< piece count) to UTF-8. Returns 0 on success with *out_text
 * (malloc'd, NUL-terminated) and *out_length set; returns -1 on failure and sets *error. */
int csp_decode(const csp_processor *processor, const int32_t *ids, size_t count,
               char **out_text, size_t *out_length, char **error);

/* The piece text of `id` and its byte length, or NULL when id is out of range. */
const char *csp_id_to_piece(const csp_processor *processor, int32_t id, size_t *out_length);

/* The piece score of `id` (0 when out of range). */
float csp_piece_score(const csp_processor *processor, int32_t id);

/* CSP_PIECE_* flags of `id` (0 for a normal piece or an id out of range). */
uint32_t csp_piece_flags(const csp_processor *processor, int32_t id);

/* Special piece ids, or -1 when the model does not define them. */
int32_t csp_bos_id(const csp_processor *processor);
int32_t csp_eos_id(const csp_processor *processor);
int32_t csp_unk_id(const csp_processor *processor);
int32_t csp_pad_id(const csp_processor *processor);

#ifdef __cplusplus
}
#endif
#endif
