"""kubelint: catch broken Kubernetes manifests before they reach a cluster, explain broken pods after."""

__version__ = "0.1.0"
