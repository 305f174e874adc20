using System.Runtime.Intrinsics;

namespace MLNet.Extensions.Kernels;

/// <summary>
/// Process-wide switches for every kernel: the widest SIMD path allowed and the default number of threads.
/// Tests lower <see cref="MaxVectorWidth"/> to run the narrower paths on a machine that has wider ones;
/// the environment variable <c>MLNET_EXTENSIONS_MAX_VECTOR_BITS</c> (0, 128, 256 or 512) sets the starting value.
/// </summary>
public static class KernelSettings
{
    private static VectorWidth s_maxVectorWidth = ReadWidthFromEnvironment();
    private static int s_threadCount = Environment.ProcessorCount;

    /// <summary>The widest path this machine accelerates, ignoring <see cref="MaxVectorWidth"/>.</summary>
    public static VectorWidth HardwareVectorWidth { get; } =
        Vector512.IsHardwareAccelerated ? VectorWidth.Bits512 :
        Vector256.IsHardwareAccelerated ? VectorWidth.Bits256 :
        Vector128.IsHardwareAccelerated ? VectorWidth.Bits128 : VectorWidth.Scalar;

    /// <summary>Upper bound on the SIMD width kernels use; the effective width is the smaller of this and the hardware's.</summary>
    public static VectorWidth MaxVectorWidth
    {
        get => s_maxVectorWidth;
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Expected 0, 128, 256 or 512 bits.");
            s_maxVectorWidth = value;
        }
    }

    /// <summary>The width kernels dispatch on: <see cref="HardwareVectorWidth"/> capped by <see cref="MaxVectorWidth"/>.</summary>
    public static VectorWidth EffectiveVectorWidth =>
        (VectorWidth)Math.Min((int)HardwareVectorWidth, (int)s_maxVectorWidth);

    /// <summary>
    /// The process default for the threads a kernel may split large work across, used on threads without a
    /// <see cref="Threading.KernelThreadScope"/>; starts at <see cref="Environment.ProcessorCount"/>. Nothing in the library
    /// writes it: a Fit call opens its own scope.
    /// </summary>
    public static int ThreadCount
    {
        get => s_threadCount;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "ThreadCount must be at least 1.");
            s_threadCount = value;
        }
    }

    /// <summary>Every width this machine can run, narrowest first; tests sweep it.</summary>
    public static IReadOnlyList<VectorWidth> SupportedWidths { get; } =
        Enum.GetValues<VectorWidth>().Where(w => w <= HardwareVectorWidth).OrderBy(w => w).ToArray();

    private static VectorWidth ReadWidthFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable("MLNET_EXTENSIONS_MAX_VECTOR_BITS");
        if (string.IsNullOrWhiteSpace(text))
            return VectorWidth.Bits512;
        if (int.TryParse(text, out int bits) && Enum.IsDefined((VectorWidth)bits))
            return (VectorWidth)bits;
        throw new InvalidOperationException(
            $"MLNET_EXTENSIONS_MAX_VECTOR_BITS is '{text}'; expected 0, 128, 256 or 512.");
    }
}
