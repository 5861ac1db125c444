"""Pretraining: random architectures, a batched trainer of many nets, the library builder."""
