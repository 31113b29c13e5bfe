namespace UserMemory.Linux.Loader;

/// <summary>Reads a dynamic linker named by PT_INTERP (on the host: <see cref="ExecutableCheck.ReadFile"/>).</summary>
/// <param name="path">The interpreter's path, without NUL.</param>
/// <param name="file">The file's bytes.</param>
/// <returns>0 or <c>-errno</c> (ENOENT, EACCES...).</returns>
internal delegate long InterpreterReader(byte[] path, out byte[] file);
