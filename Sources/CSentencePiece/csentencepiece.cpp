#include "csentencepiece.h"

#include <sentencepiece_processor.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

struct csp_processor {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

// Copies `message` into a malloc'd C string for the caller; silently skips when the caller
// passed no slot or memory is exhausted (the failure itself is still reported by the result).
void set_error(char **error, const std::string &message) {
    if (error == nullptr) return;
    *error = static_cast<char *>(std::malloc(message.size() + 1));
    if (*error != nullptr) std::memcpy(*error, message.c_str(), message.size() + 1);
}

bool in_range(const csp_processor *processor, int32_t id) {
    return processor != nullptr && id >= 0 && id < processor->sp.GetPieceSize();
}

template <typename Load>
csp_processor *create(Load load, char **error) {
    if (error != nullptr) *error = nullptr;
    try {
        auto processor = std::make_unique<csp_processor>();
        const auto status = load(processor->sp);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return nullptr;
        }
        if (processor->sp.GetPieceSize() <= 0) {
            set_error(error, "the model has no pieces");
            return nullptr;
        }
        return processor.release();
    } catch (const std::exception &e) {
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "unknown C++ exception while loading the model");
    }
    return nullptr;
}

}  // namespace

extern "C" {

csp_processor *csp_create_from_file(const char *path, char **error) {
    if (path == nullptr) {
        if (error != nullptr) *error = nullptr;
        set_error(error, "no path given");
        return nullptr;
    }
    return create([path](sentencepiece::SentencePieceProcessor &sp) { return sp.Load(path); },
                  error);
}

csp_processor *csp_create_from_bytes(const void *bytes, size_t length, char **error) {
    if (bytes == nullptr && length > 0) {
        if (error != nullptr) *error = nullptr;
        set_error(error, "no bytes given");
        return nullptr;
    }
    return create(
        [bytes, length](sentencepiece::SentencePieceProcessor &sp) {
            const std::string_view serialized(static_cast<const char *>(bytes), length);
            return sp.LoadFromSerializedProto(serialized);
        },
        error);
}

void csp_free(csp_processor *processor) { delete processor; }

int32_t csp_piece_count(const csp_processor *processor) {
    if (processor == nullptr) return 0;
    try {
        return processor->sp.GetPieceSize();
    } catch (...) {
        return 0;
    }
}

int csp_encode(const csp_processor *processor, const char *text, size_t length,
               int32_t **out_ids, size_t *out_count, char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || out_ids == nullptr || out_count == nullptr ||
        (text == nullptr && length > 0)) {
        set_error(error, "invalid arguments to csp_encode");
        return -1;
    }
    *out_ids = nullptr;
    *out_count = 0;
    try {
        std::vector<int> ids;
        const auto status = processor->sp.Encode(std::string_view(text, length), &ids);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return -1;
        }
        if (ids.empty()) return 0;
        auto *buffer = static_cast<int32_t *>(std::malloc(ids.size() * sizeof(int32_t)));
        if (buffer == nullptr) {
            set_error(error, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < ids.size(); ++i) buffer[i] = static_cast<int32_t>(ids[i]);
        *out_ids = buffer;
        *out_count = ids.size();
        return 0;
    } catch (const std::exception &e) {
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "unknown C++ exception while encoding");
    }
    return -1;
}

int csp_decode(const csp_processor *processor, const int32_t *ids, size_t count,
               char **out_text, size_t *out_length, char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || out_text == nullptr || out_length == nullptr ||
        (ids == nullptr && count > 0)) {
        set_error(error, "invalid arguments to csp_decode");
        return -1;
    }
    *out_text = nullptr;
    *out_length = 0;
    try {
        std::vector<int> input;
        input.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            if (!in_range(processor, ids[i])) {
                set_error(error, "id " + std::to_string(ids[i]) + " is not a piece of this model");
                return -1;
            }
            input.push_back(ids[i]);
        }
        std::string text;
        const auto status = processor->sp.Decode(input, &text);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return -1;
        }
        auto *buffer = static_cast<char *>(std::malloc(text.size() + 1));
        if (buffer == nullptr) {
            set_error(error, "out of memory");
            return -1;
        }
        std::memcpy(buffer, text.data(), text.size());
        buffer[text.size()] = '\0';
        *out_text = buffer;
        *out_length = text.size();
        return 0;
    } catch (const std::exception &e) {
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "unknown C++ exception while decoding");
    }
    return -1;
}

const char *csp_id_to_piece(const csp_processor *processor, int32_t id, size_t *out_length) {
    if (out_length != nullptr) *out_length = 0;
    try {
        if (!in_range(processor, id)) return nullptr;
        const std::string &piece = processor->sp.IdToPiece(id);
        if (out_length != nullptr) *out_length = piece.size();
        return piece.c_str();
    } catch (...) {
        return nullptr;
    }
}

float csp_piece_score(const csp_processor *processor, int32_t id) {
    try {
        return in_range(processor, id) ? processor->sp.GetScore(id) : 0.0f;
    } catch (...) {
        return 0.0f;
    }
}

uint32_t csp_piece_flags(const csp_processor *processor, int32_t id) {
    try {
        if (!in_range(processor, id)) return 0;
        const auto &sp = processor->sp;
        uint32_t flags = 0;
        if (sp.IsByte(id)) flags |= CSP_PIECE_BYTE;
        if (sp.IsControl(id)) flags |= CSP_PIECE_CONTROL;
        if (sp.IsUnknown(id)) flags |= CSP_PIECE_UNKNOWN;
        if (sp.IsUnused(id)) flags |= CSP_PIECE_UNUSED;
        return flags;
    } catch (...) {
        return 0;
    }
}

#define CSP_SPECIAL_ID(name, method)                        \
    int32_t name(const csp_processor *processor) {          \
        if (processor == nullptr) return -1;                \
        try {                                               \
            return processor->sp.method();                  \
        } catch (...) {                                     \
            return -1;                                      \
        }                                                   \
    }

CSP_SPECIAL_ID(csp_bos_id, bos_id)
CSP_SPECIAL_ID(csp_eos_id, eos_id)
CSP_SPECIAL_ID(csp_unk_id, unk_id)
CSP_SPECIAL_ID(csp_pad_id, pad_id)

}  // extern "C"
