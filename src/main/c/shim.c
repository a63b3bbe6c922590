/*
 * multinet CNI shim: the binary kubelet's runtime execs as /opt/cni/bin/multinet.
 *
 * It runs on the host, where there is no JVM, so it stays a small static C program; every
 * decision is taken by the delegator daemon. VERSION is answered here, without the daemon,
 * because runtimes call it to probe a plugin before the daemon may be up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUPPORTED "[\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"
#define LATEST "1.1.0"

/* CNI error codes (spec 1.1). */
enum { CNI_ERR_INVALID_ENV = 4, CNI_ERR_TRY_AGAIN = 11 };

static void print_error(int code, const char *msg, const char *details)
{
    /* msg and details are fixed strings or CNI_COMMAND, which is checked below to hold no quote. */
    printf("{\"cniVersion\":\"" LATEST "\",\"code\":%d,\"msg\":\"%s\",\"details\":\"%s\"}\n", code, msg,
           details ? details : "");
}

static int plain(const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) {
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    const char *cmd = getenv("CNI_COMMAND");
    if (cmd == NULL || *cmd == '\0') {
        print_error(CNI_ERR_INVALID_ENV, "CNI_COMMAND is not set", "");
        return 1;
    }
    if (strcmp(cmd, "VERSION") == 0) {
        printf("{\"cniVersion\":\"" LATEST "\",\"supportedVersions\":" SUPPORTED "}\n");
        return 0;
    }
    if (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK") && strcmp(cmd, "STATUS") && strcmp(cmd, "GC")) {
        print_error(CNI_ERR_INVALID_ENV, "CNI_COMMAND is not a CNI operation", plain(cmd) ? cmd : "");
        return 1;
    }
    /* The daemon is what serves these; until it is reachable the runtime must retry, never assume success. */
    print_error(CNI_ERR_TRY_AGAIN, "multinet delegator is not reachable", "");
    return 1;
}
