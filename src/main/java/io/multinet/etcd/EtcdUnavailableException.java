package io.multinet.etcd;

/** etcd could not be reached or refused the operation; the message is safe to show to an admin. */
public class EtcdUnavailableException extends RuntimeException {

    public EtcdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
