//! N-gram language models: counting, smoothing, ARPA, perplexity, sampling.
