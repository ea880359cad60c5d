"""The networks: activations, initial weights, the from-scratch NumPy MLP and its PyTorch twin,
and the training loop they share. Knows the data's shape, nothing about runs or claims."""
