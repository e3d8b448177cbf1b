from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("send0")
except PackageNotFoundError:  # running from a source tree without an installed distribution
    __version__ = "0.0.0"
