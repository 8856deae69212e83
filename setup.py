"""Builds gilcheck's Python package: CMake builds the C binary (a Release build without tests in
setuptools' build_temp) and `cmake --install` puts it with its data into the package directory
(gilcheck/bin/gilcheck, gilcheck/share/gilcheck/...), the layout in which the binary finds its
rules relative to itself.  The metadata is in pyproject.toml; the version in VERSION.

The wheel holds a native binary but no Python extension: it is tagged py3-none-<platform>, for
every Python 3.  The binary links the system's libpython3.11, libyaml, jansson, libgit2 and
libxxhash (Debian 12's runtime packages; the .deb lists them).  CMAKE_ARGS adds options to the
CMake configuration; CMAKE_BUILD_PARALLEL_LEVEL sets the build's jobs (default: all cores).
"""
import os
import shlex
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.install import install
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel   # setuptools >= 70.1
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel             # the wheel package before that
    except ImportError:
        bdist_wheel = None

ROOT = os.path.dirname(os.path.abspath(__file__))


class build_with_cmake(build_py):
    """build_py, then the binary and its data from CMake into the package in build_lib."""

    def run(self):
        super().run()
        build_temp = os.path.abspath(self.get_finalized_command("build").build_temp)
        cmake_build = os.path.join(build_temp, "cmake")
        package = os.path.join(os.path.abspath(self.build_lib), "gilcheck")
        configure = ["cmake", "-S", ROOT, "-B", cmake_build, "-DCMAKE_BUILD_TYPE=Release",
                     "-DBUILD_TESTING=OFF"] + shlex.split(os.environ.get("CMAKE_ARGS", ""))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        self.spawn(configure)
        self.spawn(["cmake", "--build", cmake_build, "-j", jobs])
        self.spawn(["cmake", "--install", cmake_build, "--prefix", package, "--strip"])


class install_any_layout(install):
    """install, with the two options (install_layout, prefix_option) that Debian's setuptools
    -- the offline wheel of python3-setuptools-whl -- reads and only Debian's own distutils
    defines: without them that setuptools fails under an interpreter from elsewhere, such as
    pyenv's 3.12.  Left unset, they change nothing."""

    def initialize_options(self):
        super().initialize_options()
        for option in ("install_layout", "prefix_option"):
            if not hasattr(self, option):
                setattr(self, option, None)


cmdclass = {"build_py": build_with_cmake, "install": install_any_layout}

class binary_distribution(Distribution):
    """The package carries a native binary: installed as platform-specific (platlib)."""

    def has_ext_modules(self):
        return True


if bdist_wheel is not None:
    class platform_wheel(bdist_wheel):
        """A wheel for this platform and any Python 3: it carries a binary, not an extension."""

        def get_tag(self):
            return ("py3", "none") + tuple(super().get_tag()[2:])

    cmdclass["bdist_wheel"] = platform_wheel

setup(cmdclass=cmdclass, distclass=binary_distribution,
      # setuptools' own build directory, apart from CMake's build/ of a source checkout
      options={"build": {"build_base": "build-py"}})
