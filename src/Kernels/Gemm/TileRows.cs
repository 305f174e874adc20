namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The micro-tile height MR as a compile-time constant: a struct type argument, so the JIT folds it into each
/// <see cref="MicroKernel{TRows, TSimd, TVector}"/> instantiation and drops the accumulator rows past it.
/// </summary>
internal interface ITileRows
{
    /// <summary>Rows of C per micro-tile, 1 to <see cref="MicroKernel{TRows, TSimd, TVector}.MaxRows"/>.</summary>
    static abstract int Count { get; }
}

/// <summary>6 rows: 12 accumulators + 2 B vectors + 1 broadcast fit the 16 registers of AVX2 and SSE.</summary>
internal readonly struct SixRows : ITileRows
{
    public static int Count => 6;
}

/// <summary>8 rows: 16 accumulators, measured best on AVX-512's 32 registers (see the dispatch in Gemm.Multiply).</summary>
internal readonly struct EightRows : ITileRows
{
    public static int Count => 8;
}

/// <summary>2 rows: the shallow-input weight gradient's channel tile on 16-register widths (2 x up to 7 taps).</summary>
internal readonly struct TwoRows : ITileRows
{
    public static int Count => 2;
}

/// <summary>4 rows: the shallow-input weight gradient's channel tile on AVX-512's 32 registers (4 x up to 7 taps).</summary>
internal readonly struct FourRows : ITileRows
{
    public static int Count => 4;
}
