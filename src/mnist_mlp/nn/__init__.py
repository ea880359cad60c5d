"""The networks: activations, costs, initial weights, L2 forms, the from-scratch NumPy MLP and its
PyTorch twin, and the training loop they share. Knows the data's shape, nothing about runs or claims."""
