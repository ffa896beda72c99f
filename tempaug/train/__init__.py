"""Reference trainers: ``python -m tempaug.train`` for a Seq2Seq, a video VAE and a recurrent conditional GAN.

Config, checkpoints, metrics and plots live here; the models live in :mod:`tempaug.models`.
"""
