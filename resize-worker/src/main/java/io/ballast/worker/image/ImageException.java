package io.ballast.worker.image;

/** An image, its container or its partition table is not what Ballast can work on; the message names the value. */
public class ImageException extends Exception {

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
