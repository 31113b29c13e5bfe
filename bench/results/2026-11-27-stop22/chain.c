#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int n = getenv("N") ? atoi(getenv("N")) : 100;
    if (n == 0) return 0;
    char t[16]; snprintf(t, sizeof t, "%d", n - 1); setenv("N", t, 1);
    execv(argv[1], argv);
    return 1;
}
