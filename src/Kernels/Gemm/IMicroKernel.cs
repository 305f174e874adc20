namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The only CPU-specific piece of the GEMM (BLIS's micro-kernel): C11 := alpha * A1 * B1 + beta * C11 for one MR x NR tile.
/// A1 is an MR x kc micro-panel packed by column (a[p * MR + i]); B1 is a kc x NR micro-panel packed by row (b[p * NR + j]).
/// The tile is always full: packing zero-pads partial panels and the driver handles partial tiles of C.
/// When beta is 0, C is written without being read (it may hold NaN).
/// </summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of the C tile (height of an A micro-panel).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (width of a B micro-panel).</summary>
    static abstract int NR { get; }

    /// <summary>Updates the MR x NR tile at <paramref name="c"/> (row stride <paramref name="ldc"/>) with kc rank-1 products.</summary>
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);
}
