"""Notebooks from Colab and elsewhere name kernels that do not exist here."""

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

DEFAULT = "python3"


class FallbackKernelSpecManager(KernelSpecManager):
    """Any unknown kernel name gets the default Python kernel, with a line in the log."""

    def get_kernel_spec(self, kernel_name):
        try:
            return super().get_kernel_spec(kernel_name)
        except NoSuchKernel:
            if kernel_name == DEFAULT:
                raise
            self.log.warning("kernel '%s' is not installed here; starting '%s' instead", kernel_name, DEFAULT)
            return super().get_kernel_spec(DEFAULT)
