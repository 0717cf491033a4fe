import GLMEngine
print("glmchat")
