namespace UserMemory;

/// <summary>Linux error numbers (errno) with their x86-64/generic values. <see cref="None"/> (0) means success.</summary>
/// <remarks>Use <see cref="LinuxErrorInfo"/> for names and messages.</remarks>
public enum LinuxError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Operation not permitted (EPERM).</summary>
    EPERM = 1,

    /// <summary>No such file or directory (ENOENT).</summary>
    ENOENT = 2,

    /// <summary>No such process (ESRCH).</summary>
    ESRCH = 3,

    /// <summary>Interrupted system call (EINTR).</summary>
    EINTR = 4,

    /// <summary>Input/output error (EIO).</summary>
    EIO = 5,

    /// <summary>No such device or address (ENXIO).</summary>
    ENXIO = 6,

    /// <summary>Argument list too long (E2BIG).</summary>
    E2BIG = 7,

    /// <summary>Exec format error (ENOEXEC).</summary>
    ENOEXEC = 8,

    /// <summary>Bad file descriptor (EBADF).</summary>
    EBADF = 9,

    /// <summary>No child processes (ECHILD).</summary>
    ECHILD = 10,

    /// <summary>Resource temporarily unavailable (EAGAIN).</summary>
    EAGAIN = 11,

    /// <summary>Cannot allocate memory (ENOMEM).</summary>
    ENOMEM = 12,

    /// <summary>Permission denied (EACCES).</summary>
    EACCES = 13,

    /// <summary>Bad address (EFAULT).</summary>
    EFAULT = 14,

    /// <summary>Block device required (ENOTBLK).</summary>
    ENOTBLK = 15,

    /// <summary>Device or resource busy (EBUSY).</summary>
    EBUSY = 16,

    /// <summary>File exists (EEXIST).</summary>
    EEXIST = 17,

    /// <summary>Invalid cross-device link (EXDEV).</summary>
    EXDEV = 18,

    /// <summary>No such device (ENODEV).</summary>
    ENODEV = 19,

    /// <summary>Not a directory (ENOTDIR).</summary>
    ENOTDIR = 20,

    /// <summary>Is a directory (EISDIR).</summary>
    EISDIR = 21,

    /// <summary>Invalid argument (EINVAL).</summary>
    EINVAL = 22,

    /// <summary>Too many open files in system (ENFILE).</summary>
    ENFILE = 23,

    /// <summary>Too many open files (EMFILE).</summary>
    EMFILE = 24,

    /// <summary>Inappropriate ioctl for device (ENOTTY).</summary>
    ENOTTY = 25,

    /// <summary>Text file busy (ETXTBSY).</summary>
    ETXTBSY = 26,

    /// <summary>File too large (EFBIG).</summary>
    EFBIG = 27,

    /// <summary>No space left on device (ENOSPC).</summary>
    ENOSPC = 28,

    /// <summary>Illegal seek (ESPIPE).</summary>
    ESPIPE = 29,

    /// <summary>Read-only file system (EROFS).</summary>
    EROFS = 30,

    /// <summary>Too many links (EMLINK).</summary>
    EMLINK = 31,

    /// <summary>Broken pipe (EPIPE).</summary>
    EPIPE = 32,

    /// <summary>Numerical argument out of domain (EDOM).</summary>
    EDOM = 33,

    /// <summary>Numerical result out of range (ERANGE).</summary>
    ERANGE = 34,

    /// <summary>Resource deadlock avoided (EDEADLK).</summary>
    EDEADLK = 35,

    /// <summary>File name too long (ENAMETOOLONG).</summary>
    ENAMETOOLONG = 36,

    /// <summary>No locks available (ENOLCK).</summary>
    ENOLCK = 37,

    /// <summary>Function not implemented (ENOSYS).</summary>
    ENOSYS = 38,

    /// <summary>Directory not empty (ENOTEMPTY).</summary>
    ENOTEMPTY = 39,

    /// <summary>Too many levels of symbolic links (ELOOP).</summary>
    ELOOP = 40,

    /// <summary>No message of desired type (ENOMSG).</summary>
    ENOMSG = 42,

    /// <summary>Identifier removed (EIDRM).</summary>
    EIDRM = 43,

    /// <summary>Channel number out of range (ECHRNG).</summary>
    ECHRNG = 44,

    /// <summary>Level 2 not synchronized (EL2NSYNC).</summary>
    EL2NSYNC = 45,

    /// <summary>Level 3 halted (EL3HLT).</summary>
    EL3HLT = 46,

    /// <summary>Level 3 reset (EL3RST).</summary>
    EL3RST = 47,

    /// <summary>Link number out of range (ELNRNG).</summary>
    ELNRNG = 48,

    /// <summary>Protocol driver not attached (EUNATCH).</summary>
    EUNATCH = 49,

    /// <summary>No CSI structure available (ENOCSI).</summary>
    ENOCSI = 50,

    /// <summary>Level 2 halted (EL2HLT).</summary>
    EL2HLT = 51,

    /// <summary>Invalid exchange (EBADE).</summary>
    EBADE = 52,

    /// <summary>Invalid request descriptor (EBADR).</summary>
    EBADR = 53,

    /// <summary>Exchange full (EXFULL).</summary>
    EXFULL = 54,

    /// <summary>No anode (ENOANO).</summary>
    ENOANO = 55,

    /// <summary>Invalid request code (EBADRQC).</summary>
    EBADRQC = 56,

    /// <summary>Invalid slot (EBADSLT).</summary>
    EBADSLT = 57,

    /// <summary>Bad font file format (EBFONT).</summary>
    EBFONT = 59,

    /// <summary>Device not a stream (ENOSTR).</summary>
    ENOSTR = 60,

    /// <summary>No data available (ENODATA).</summary>
    ENODATA = 61,

    /// <summary>Timer expired (ETIME).</summary>
    ETIME = 62,

    /// <summary>Out of streams resources (ENOSR).</summary>
    ENOSR = 63,

    /// <summary>Machine is not on the network (ENONET).</summary>
    ENONET = 64,

    /// <summary>Package not installed (ENOPKG).</summary>
    ENOPKG = 65,

    /// <summary>Object is remote (EREMOTE).</summary>
    EREMOTE = 66,

    /// <summary>Link has been severed (ENOLINK).</summary>
    ENOLINK = 67,

    /// <summary>Advertise error (EADV).</summary>
    EADV = 68,

    /// <summary>Srmount error (ESRMNT).</summary>
    ESRMNT = 69,

    /// <summary>Communication error on send (ECOMM).</summary>
    ECOMM = 70,

    /// <summary>Protocol error (EPROTO).</summary>
    EPROTO = 71,

    /// <summary>Multihop attempted (EMULTIHOP).</summary>
    EMULTIHOP = 72,

    /// <summary>RFS specific error (EDOTDOT).</summary>
    EDOTDOT = 73,

    /// <summary>Bad message (EBADMSG).</summary>
    EBADMSG = 74,

    /// <summary>Value too large for defined data type (EOVERFLOW).</summary>
    EOVERFLOW = 75,

    /// <summary>Name not unique on network (ENOTUNIQ).</summary>
    ENOTUNIQ = 76,

    /// <summary>File descriptor in bad state (EBADFD).</summary>
    EBADFD = 77,

    /// <summary>Remote address changed (EREMCHG).</summary>
    EREMCHG = 78,

    /// <summary>Can not access a needed shared library (ELIBACC).</summary>
    ELIBACC = 79,

    /// <summary>Accessing a corrupted shared library (ELIBBAD).</summary>
    ELIBBAD = 80,

    /// <summary>.lib section in a.out corrupted (ELIBSCN).</summary>
    ELIBSCN = 81,

    /// <summary>Attempting to link in too many shared libraries (ELIBMAX).</summary>
    ELIBMAX = 82,

    /// <summary>Cannot exec a shared library directly (ELIBEXEC).</summary>
    ELIBEXEC = 83,

    /// <summary>Invalid or incomplete multibyte or wide character (EILSEQ).</summary>
    EILSEQ = 84,

    /// <summary>Interrupted system call should be restarted (ERESTART).</summary>
    ERESTART = 85,

    /// <summary>Streams pipe error (ESTRPIPE).</summary>
    ESTRPIPE = 86,

    /// <summary>Too many users (EUSERS).</summary>
    EUSERS = 87,

    /// <summary>Socket operation on non-socket (ENOTSOCK).</summary>
    ENOTSOCK = 88,

    /// <summary>Destination address required (EDESTADDRREQ).</summary>
    EDESTADDRREQ = 89,

    /// <summary>Message too long (EMSGSIZE).</summary>
    EMSGSIZE = 90,

    /// <summary>Protocol wrong type for socket (EPROTOTYPE).</summary>
    EPROTOTYPE = 91,

    /// <summary>Protocol not available (ENOPROTOOPT).</summary>
    ENOPROTOOPT = 92,

    /// <summary>Protocol not supported (EPROTONOSUPPORT).</summary>
    EPROTONOSUPPORT = 93,

    /// <summary>Socket type not supported (ESOCKTNOSUPPORT).</summary>
    ESOCKTNOSUPPORT = 94,

    /// <summary>Operation not supported (EOPNOTSUPP).</summary>
    EOPNOTSUPP = 95,

    /// <summary>Protocol family not supported (EPFNOSUPPORT).</summary>
    EPFNOSUPPORT = 96,

    /// <summary>Address family not supported by protocol (EAFNOSUPPORT).</summary>
    EAFNOSUPPORT = 97,

    /// <summary>Address already in use (EADDRINUSE).</summary>
    EADDRINUSE = 98,

    /// <summary>Cannot assign requested address (EADDRNOTAVAIL).</summary>
    EADDRNOTAVAIL = 99,

    /// <summary>Network is down (ENETDOWN).</summary>
    ENETDOWN = 100,

    /// <summary>Network is unreachable (ENETUNREACH).</summary>
    ENETUNREACH = 101,

    /// <summary>Network dropped connection on reset (ENETRESET).</summary>
    ENETRESET = 102,

    /// <summary>Software caused connection abort (ECONNABORTED).</summary>
    ECONNABORTED = 103,

    /// <summary>Connection reset by peer (ECONNRESET).</summary>
    ECONNRESET = 104,

    /// <summary>No buffer space available (ENOBUFS).</summary>
    ENOBUFS = 105,

    /// <summary>Transport endpoint is already connected (EISCONN).</summary>
    EISCONN = 106,

    /// <summary>Transport endpoint is not connected (ENOTCONN).</summary>
    ENOTCONN = 107,

    /// <summary>Cannot send after transport endpoint shutdown (ESHUTDOWN).</summary>
    ESHUTDOWN = 108,

    /// <summary>Too many references: cannot splice (ETOOMANYREFS).</summary>
    ETOOMANYREFS = 109,

    /// <summary>Connection timed out (ETIMEDOUT).</summary>
    ETIMEDOUT = 110,

    /// <summary>Connection refused (ECONNREFUSED).</summary>
    ECONNREFUSED = 111,

    /// <summary>Host is down (EHOSTDOWN).</summary>
    EHOSTDOWN = 112,

    /// <summary>No route to host (EHOSTUNREACH).</summary>
    EHOSTUNREACH = 113,

    /// <summary>Operation already in progress (EALREADY).</summary>
    EALREADY = 114,

    /// <summary>Operation now in progress (EINPROGRESS).</summary>
    EINPROGRESS = 115,

    /// <summary>Stale file handle (ESTALE).</summary>
    ESTALE = 116,

    /// <summary>Structure needs cleaning (EUCLEAN).</summary>
    EUCLEAN = 117,

    /// <summary>Not a XENIX named type file (ENOTNAM).</summary>
    ENOTNAM = 118,

    /// <summary>No XENIX semaphores available (ENAVAIL).</summary>
    ENAVAIL = 119,

    /// <summary>Is a named type file (EISNAM).</summary>
    EISNAM = 120,

    /// <summary>Remote I/O error (EREMOTEIO).</summary>
    EREMOTEIO = 121,

    /// <summary>Disk quota exceeded (EDQUOT).</summary>
    EDQUOT = 122,

    /// <summary>No medium found (ENOMEDIUM).</summary>
    ENOMEDIUM = 123,

    /// <summary>Wrong medium type (EMEDIUMTYPE).</summary>
    EMEDIUMTYPE = 124,

    /// <summary>Operation canceled (ECANCELED).</summary>
    ECANCELED = 125,

    /// <summary>Required key not available (ENOKEY).</summary>
    ENOKEY = 126,

    /// <summary>Key has expired (EKEYEXPIRED).</summary>
    EKEYEXPIRED = 127,

    /// <summary>Key has been revoked (EKEYREVOKED).</summary>
    EKEYREVOKED = 128,

    /// <summary>Key was rejected by service (EKEYREJECTED).</summary>
    EKEYREJECTED = 129,

    /// <summary>Owner died (EOWNERDEAD).</summary>
    EOWNERDEAD = 130,

    /// <summary>State not recoverable (ENOTRECOVERABLE).</summary>
    ENOTRECOVERABLE = 131,

    /// <summary>Operation not possible due to RF-kill (ERFKILL).</summary>
    ERFKILL = 132,

    /// <summary>Memory page has hardware error (EHWPOISON).</summary>
    EHWPOISON = 133,

    /// <summary>Alias of <see cref="EAGAIN"/>.</summary>
    EWOULDBLOCK = EAGAIN,

    /// <summary>Alias of <see cref="EDEADLK"/>.</summary>
    EDEADLOCK = EDEADLK,

    /// <summary>Alias of <see cref="EOPNOTSUPP"/>.</summary>
    ENOTSUP = EOPNOTSUPP,
}
