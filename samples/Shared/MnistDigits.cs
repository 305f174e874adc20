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

    /// <summary>
    /// The bundled <c>samples/data</c> folder: named by MLNET_EXTENSIONS_DATA, or found by walking up from
    /// <paramref name="start"/> (default: the program's folder, then the current folder), so samples and tests run from
    /// any folder inside the repository. Throws <see cref="DirectoryNotFoundException"/> saying where it looked.
    /// </summary>
    public static string FindDataFolder(string? start = null, string requiredFile = "mnist-10k-labels-idx1-ubyte.gz")
    {
        string? named = Environment.GetEnvironmentVariable("MLNET_EXTENSIONS_DATA");
        if (!string.IsNullOrEmpty(named) && File.Exists(Path.Combine(named, requiredFile)))
            return named;
        string[] starts = start is not null ? [start] : [AppContext.BaseDirectory, Environment.CurrentDirectory];
        foreach (string first in starts)
        {
            for (var dir = new DirectoryInfo(first); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "samples", "data");
                if (File.Exists(Path.Combine(candidate, requiredFile)))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"Could not find the sample data ({requiredFile}): no samples/data folder above {string.Join(" or ", starts.Select(s => $"'{s}'"))}"
            + (string.IsNullOrEmpty(named) ? "" : $", and MLNET_EXTENSIONS_DATA='{named}' does not hold it")
            + ". Run the sample from inside the repository (dotnet run --project samples/<Name> from any folder of it works),"
            + " or set MLNET_EXTENSIONS_DATA to the folder that holds the files.");
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
