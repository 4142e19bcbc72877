"""google.colab.patches: cv2_imshow, which Colab offers because cv2.imshow opens a window."""


def cv2_imshow(a):
    """Show an OpenCV image (a NumPy array, BGR or BGRA, or grey) inline."""
    import numpy as np
    from IPython.display import display
    from PIL import Image

    a = np.asarray(a).clip(0, 255).astype("uint8")
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., [2, 1, 0, 3]]
    elif a.ndim == 3 and a.shape[2] == 3:
        a = a[..., ::-1]
    display(Image.fromarray(a))


cv_imshow = cv2_imshow  # Colab's second name for it
