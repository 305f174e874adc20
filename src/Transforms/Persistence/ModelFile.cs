using System.IO.Compression;

namespace MLNet.Extensions.Transforms.Persistence;

/// <summary>
/// Checks a saved model file before it is given to <c>MLContext.Model.Load</c>. ML.NET reads some entries of every model
/// (the input schema among them) before any of our code runs, and .NET's zip reader does not verify CRC-32s on read, so
/// damage there can give ML.NET's own errors or, in its schema reader, a hang. <see cref="Verify(string)"/> catches that
/// damage first; our own entries are also checked at load by their payload checksums.
/// </summary>
public static class ModelFile
{
    /// <summary>Largest entry the check reads, so a damaged size cannot make it decompress without end.</summary>
    private const long MaxEntryBytes = 1L << 32;

    /// <summary>
    /// Reads every entry of the zip at <paramref name="path"/> and compares its CRC-32 and length with the zip's own;
    /// throws <see cref="InvalidDataException"/> naming the first damaged entry (or saying the file is not a zip).
    /// </summary>
    public static void Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        Verify(stream);
    }

    /// <summary>As <see cref="Verify(string)"/>, for a model in a stream (read from its current position, left open).</summary>
    public static void Verify(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The model file is not a readable zip archive ({e.Message}); it is damaged or not a model.", e);
        }
        using (archive)
        {
            if (archive.Entries.Count == 0)
                throw new InvalidDataException("The model file is a zip archive without entries; it is not a model.");
            var buffer = new byte[1 << 16];
            foreach (ZipArchiveEntry entry in archive.Entries)
                VerifyEntry(entry, buffer);
        }
    }

    private static void VerifyEntry(ZipArchiveEntry entry, byte[] buffer)
    {
        if (entry.Length > MaxEntryBytes)
            throw new InvalidDataException($"Model file entry '{entry.FullName}' claims {entry.Length:N0} bytes; the model file is damaged.");
        uint crc = 0;
        long total = 0;
        try
        {
            using Stream content = entry.Open();
            int read;
            while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                if (total > entry.Length)
                    break;
                crc = Crc32.Append(crc, buffer.AsSpan(0, read));
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file entry '{entry.FullName}' cannot be decompressed ({e.Message}); the model file is damaged.", e);
        }
        if (total != entry.Length)
            throw new InvalidDataException(
                $"Model file entry '{entry.FullName}' holds {(total > entry.Length ? "more than " : "")}{total:N0} bytes; the zip says {entry.Length:N0}: the model file is damaged.");
        if (crc != entry.Crc32)
            throw new InvalidDataException(
                $"Model file entry '{entry.FullName}' fails its CRC-32 (stored {entry.Crc32:X8}, computed {crc:X8}); the model file is damaged.");
    }
}
