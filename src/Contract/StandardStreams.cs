using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BertNative.Contract;

/// <summary>
/// stdout and stderr as plain streams over file descriptors 1 and 2. System.Console, on its first write to a terminal,
/// sends the terminal's keypad-mode codes (ESC[?1h ESC=); under mpirun every rank's output is a pseudo-terminal, so
/// `--json` would not be JSON. Writing to the descriptors directly sends exactly our bytes.
/// </summary>
public static class StandardStreams
{
    public static readonly TextWriter Out = Open(1, () => Console.Out);
    public static readonly TextWriter Error = Open(2, () => Console.Error);

    /// <summary>Whether <paramref name="writer"/> is stdout or stderr (ours or System.Console's) and that is the user's
    /// terminal: progress is redrawn in place there, written as plain lines anywhere else. Asking does not touch the terminal.</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ((ReferenceEquals(writer, Error) || ReferenceEquals(writer, Console.Error)) && !Console.IsErrorRedirected)
        || ((ReferenceEquals(writer, Out) || ReferenceEquals(writer, Console.Out)) && !Console.IsOutputRedirected);

    private static TextWriter Open(int fd, Func<TextWriter> console)
    {
        if (OperatingSystem.IsWindows()) return console();
        var stream = new ReaderGoneStream(new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0));
        return TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 4096) { AutoFlush = true });
    }

    /// <summary>As System.Console does: a reader that went away (`| head -1`, a closed terminal) is not the command's error;
    /// its output is dropped.</summary>
    private sealed class ReaderGoneStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try { inner.Write(buffer); }
            catch (IOException) { }
        }
    }
}
