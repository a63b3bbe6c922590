/*
 * multinet CNI shim: the binary the container runtime execs as /opt/cni/bin/multinet.
 *
 * It runs on the host, where there is no JVM, so it stays a small static C program and takes no
 * decision itself: it forwards the CNI_* environment and the config on stdin to the delegator
 * daemon over its unix socket (HTTP/1.1, CNI variables as headers, config as body), prints the
 * answer and exits 0 or 1. VERSION is answered here, because runtimes probe it before the daemon
 * may be up. When the daemon cannot be reached, every other command gets CNI error 11 (try again
 * later): ADD is retried by the runtime, and DEL never reports success for work it did not do.
 * A config the shim cannot use (empty, not a JSON object, over 1 MiB: code 6; no socketPath: code 7)
 * is refused here with an error that will not change on retry, in the request's cniVersion.
 * The supported versions below are checked against CniVersions by ShimTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SUPPORTED "[\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"
#define LATEST "1.1.0"
#define MAX_STDIN (1 << 20)
#define MAX_REPLY (4 << 20)
/* ADD runs every delegate of a pod; past this the runtime gets "try again" rather than a hang. */
#define DEFAULT_TIMEOUT_SECONDS 120

enum { CNI_ERR_INVALID_ENV = 4, CNI_ERR_IO = 5, CNI_ERR_DECODE = 6, CNI_ERR_INVALID_CONFIG = 7, CNI_ERR_TRY_AGAIN = 11 };

/* The version errors are written in: the request's, once its config is read and names a supported one. */
static char error_version[16] = LATEST;

/* Writes s as the inside of a JSON string. */
static void json_text(const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
}

static int fail(int code, const char *msg, const char *details)
{
    printf("{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":\"", error_version, code);
    json_text(msg);
    printf("\",\"details\":\"");
    json_text(details);
    printf("\"}\n");
    return 1;
}

/* A header value must not be able to end the header: no CR or LF. */
static int header_safe(const char *v)
{
    return v == NULL || strpbrk(v, "\r\n") == NULL;
}

/* The string value of "key" in the config, if it is there (the daemon wrote that config). */
static int config_string(const char *conf, const char *key, char *out, size_t outlen)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(conf, pattern);
    if (p == NULL) {
        return 0;
    }
    p = strchr(p + strlen(pattern), '"');
    if (p == NULL) {
        return 0;
    }
    p++;
    const char *end = strchr(p, '"');
    if (end == NULL || (size_t)(end - p) >= outlen) {
        return 0;
    }
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 1;
}

static long config_number(const char *conf, const char *key, long fallback)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(conf, pattern);
    if (p == NULL || (p = strchr(p + strlen(pattern), ':')) == NULL) {
        return fallback;
    }
    long v = strtol(p + 1, NULL, 10);
    return v > 0 ? v : fallback;
}

/* Reads at most MAX_STDIN + 1 bytes, so that a config over the limit is seen as such, never cut. */
static char *read_stdin(size_t *len)
{
    char *buf = malloc(MAX_STDIN + 2);
    size_t n = 0;
    ssize_t r;
    if (buf == NULL) {
        return NULL;
    }
    while (n <= MAX_STDIN && (r = read(0, buf + n, MAX_STDIN + 1 - n)) != 0) {
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int main(void)
{
    const char *cmd = getenv("CNI_COMMAND");
    if (cmd == NULL || *cmd == '\0') {
        return fail(CNI_ERR_INVALID_ENV, "CNI_COMMAND is not set", "");
    }
    if (strcmp(cmd, "VERSION") == 0) {
        printf("{\"cniVersion\":\"" LATEST "\",\"supportedVersions\":" SUPPORTED "}\n");
        return 0;
    }
    if (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK") && strcmp(cmd, "STATUS") && strcmp(cmd, "GC")) {
        return fail(CNI_ERR_INVALID_ENV, "CNI_COMMAND is not a CNI operation", cmd);
    }
    const char *names[] = { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS" };
    const char *headers[] = { "X-CNI-ContainerID", "X-CNI-Netns", "X-CNI-Ifname", "X-CNI-Args" };
    for (size_t i = 0; i < 4; i++) {
        if (!header_safe(getenv(names[i]))) {
            return fail(CNI_ERR_INVALID_ENV, "a CNI variable holds a line break", names[i]);
        }
    }

    size_t conf_len;
    char *conf = read_stdin(&conf_len);
    if (conf == NULL) {
        return fail(CNI_ERR_IO, "cannot read the network configuration from stdin", "");
    }
    char version[12], quoted[16];
    if (config_string(conf, "cniVersion", version, sizeof version)) {
        snprintf(quoted, sizeof quoted, "\"%s\"", version);
        if (strstr(SUPPORTED, quoted) != NULL) {
            snprintf(error_version, sizeof error_version, "%s", version);
        }
    }
    if (conf_len > MAX_STDIN) {
        return fail(CNI_ERR_DECODE, "the network configuration on stdin is larger than 1 MiB, the multinet shim's limit", "");
    }
    const char *first = conf + strspn(conf, " \t\r\n");
    if (*first == '\0') {
        return fail(CNI_ERR_DECODE, "the network configuration on stdin is empty", "");
    }
    if (*first != '{') {
        return fail(CNI_ERR_DECODE, "the network configuration on stdin is not a JSON object", "");
    }
    char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (!config_string(conf, "socketPath", socket_path, sizeof socket_path)) {
        return fail(CNI_ERR_INVALID_CONFIG, "the network configuration has no socketPath, so the shim cannot know where the "
                "multinet delegator listens (the conflist multinet writes always has it)", "");
    }
    long timeout = config_number(conf, "timeoutSeconds", DEFAULT_TIMEOUT_SECONDS);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        char details[256];
        snprintf(details, sizeof details, "%s: %s", socket_path, strerror(errno));
        return fail(CNI_ERR_TRY_AGAIN, "multinet delegator is not reachable", details);
    }
    struct timeval tv = { .tv_sec = timeout };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    char head[16384];
    int n = snprintf(head, sizeof head, "POST /cni HTTP/1.1\r\nHost: multinet\r\nX-CNI-Command: %s\r\n", cmd);
    for (size_t i = 0; i < 4; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && n >= 0 && (size_t)n < sizeof head) {
            n += snprintf(head + n, sizeof head - (size_t)n, "%s: %s\r\n", headers[i], v);
        }
    }
    if (n >= 0 && (size_t)n < sizeof head) {
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\nConnection: close\r\n\r\n", conf_len);
    }
    if (n < 0 || (size_t)n >= sizeof head) {
        return fail(CNI_ERR_INVALID_ENV, "CNI variables are too long", "");
    }
    if (write_all(fd, head, (size_t)n) != 0 || write_all(fd, conf, conf_len) != 0) {
        return fail(CNI_ERR_TRY_AGAIN, "cannot send the request to the multinet delegator", strerror(errno));
    }

    char *reply = malloc(MAX_REPLY + 1);
    size_t got = 0;
    ssize_t r;
    if (reply == NULL) {
        return fail(CNI_ERR_IO, "out of memory", "");
    }
    while (got < MAX_REPLY && (r = read(fd, reply + got, MAX_REPLY - got)) != 0) {
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return fail(CNI_ERR_TRY_AGAIN, "the multinet delegator did not answer in time", cmd);
            }
            return fail(CNI_ERR_TRY_AGAIN, "reading the multinet delegator's answer failed", strerror(errno));
        }
        got += (size_t)r;
    }
    close(fd);
    reply[got] = '\0';

    int status = 0;
    char *body = strstr(reply, "\r\n\r\n");
    if (sscanf(reply, "HTTP/1.1 %d", &status) != 1 || body == NULL) {
        return fail(CNI_ERR_TRY_AGAIN, "the multinet delegator gave no valid answer", "");
    }
    body += 4;
    size_t body_len = got - (size_t)(body - reply);
    if (body_len > 0) {
        fwrite(body, 1, body_len, stdout);
        if (body[body_len - 1] != '\n') {
            putchar('\n');
        }
    }
    return status == 200 ? 0 : 1;
}
