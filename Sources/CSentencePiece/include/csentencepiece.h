#ifndef GLMCHAT_CSENTENCEPIECE_H
#define GLMCHAT_CSENTENCEPIECE_H
/* Filled in by the tokenizer work: an extern "C" opaque-handle API over SentencePieceProcessor. */
#endif
