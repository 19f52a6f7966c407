"""nanovlm_distributed: the PyTorch engine of NanoVlm.Web (DDP under torchrun or Slurm). Depends on torch and numpy only.
See docs/distributed.md."""
