using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNet.Extensions.Samples;

/// <summary>One MNIST digit: 28x28 pixels scaled to [0, 1], row by row, and its label.</summary>
public sealed class MnistDigit
{
    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;

    /// <summary>784 pixel intensities in [0, 1].</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The digit 0-9.</summary>
    public uint Digit { get; set; }
}

/// <summary>Reads the bundled MNIST digits from gzip-compressed IDX files (the format LeCun et al. publish).</summary>
public static class MnistDigits
{
    /// <summary>Reads <c>mnist-10k-images-idx3-ubyte.gz</c> and <c>mnist-10k-labels-idx1-ubyte.gz</c> from <paramref name="folder"/>.</summary>
    public static MnistDigit[] Load(string folder)
    {
        byte[] images = ReadGzip(Path.Combine(folder, "mnist-10k-images-idx3-ubyte.gz"));
        byte[] labels = ReadGzip(Path.Combine(folder, "mnist-10k-labels-idx1-ubyte.gz"));
        if (BinaryPrimitives.ReadInt32BigEndian(images) != 0x803 || BinaryPrimitives.ReadInt32BigEndian(labels) != 0x801)
            throw new InvalidDataException($"The MNIST files in '{folder}' do not start with the IDX magic numbers.");
        int count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (rows != MnistDigit.Side || cols != MnistDigit.Side || BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4)) != count
            || images.Length != 16 + count * rows * cols || labels.Length != 8 + count)
            throw new InvalidDataException($"The MNIST files in '{folder}' have inconsistent sizes.");
        var digits = new MnistDigit[count];
        for (int i = 0; i < count; i++)
        {
            var pixels = new float[rows * cols];
            ReadOnlySpan<byte> source = images.AsSpan(16 + i * pixels.Length, pixels.Length);
            for (int p = 0; p < pixels.Length; p++)
                pixels[p] = source[p] / 255f;
            digits[i] = new MnistDigit { Pixels = pixels, Digit = labels[8 + i] };
        }
        return digits;
    }

    /// <summary>Walks up from <paramref name="start"/> to the folder holding <c>samples/data</c>, so samples and tests run from any bin folder.</summary>
    public static string FindDataFolder(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", "data");
            if (File.Exists(Path.Combine(candidate, "mnist-10k-labels-idx1-ubyte.gz")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"No samples/data folder with the MNIST files above '{start ?? AppContext.BaseDirectory}'.");
    }

    private static byte[] ReadGzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
