// GLMTerm
