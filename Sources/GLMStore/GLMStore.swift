// GLMStore
