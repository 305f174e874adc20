using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The register-tiled micro-kernel: MR = <typeparamref name="TRows"/> rows x 2 vectors of C held in 2 MR accumulators; per
/// k step it loads 2 B vectors, broadcasts MR A values and issues 2 MR multiply-adds. One source for every tile height
/// and vector width: MR is a compile-time constant, so each instantiation keeps only its own rows (the others are
/// dead code the JIT removes). Written out row by row because the JIT keeps only named locals in registers.
/// </summary>
internal readonly unsafe struct MicroKernel<TRows, TSimd, TVector> : IMicroKernel
    where TRows : struct, ITileRows
    where TSimd : struct, ISimd<TVector>
    where TVector : struct
{
    /// <summary>Tallest tile the unrolled body below has accumulators for.</summary>
    public const int MaxRows = 8;

    public static int MR => TRows.Count;
    public static int NR => 2 * TSimd.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero;
        TVector c10 = TSimd.Zero, c11 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero;
        TVector c30 = TSimd.Zero, c31 = TSimd.Zero;
        TVector c40 = TSimd.Zero, c41 = TSimd.Zero;
        TVector c50 = TSimd.Zero, c51 = TSimd.Zero;
        TVector c60 = TSimd.Zero, c61 = TSimd.Zero;
        TVector c70 = TSimd.Zero, c71 = TSimd.Zero;
        int n = TSimd.Count;
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TSimd.Load(b);
            TVector b1 = TSimd.Load(b + n);
            TVector a0 = TSimd.Broadcast(a[0]);
            c00 = TSimd.MultiplyAdd(a0, b0, c00);
            c01 = TSimd.MultiplyAdd(a0, b1, c01);
            if (TRows.Count > 1)
            {
                TVector a1 = TSimd.Broadcast(a[1]);
                c10 = TSimd.MultiplyAdd(a1, b0, c10);
                c11 = TSimd.MultiplyAdd(a1, b1, c11);
            }
            if (TRows.Count > 2)
            {
                TVector a2 = TSimd.Broadcast(a[2]);
                c20 = TSimd.MultiplyAdd(a2, b0, c20);
                c21 = TSimd.MultiplyAdd(a2, b1, c21);
            }
            if (TRows.Count > 3)
            {
                TVector a3 = TSimd.Broadcast(a[3]);
                c30 = TSimd.MultiplyAdd(a3, b0, c30);
                c31 = TSimd.MultiplyAdd(a3, b1, c31);
            }
            if (TRows.Count > 4)
            {
                TVector a4 = TSimd.Broadcast(a[4]);
                c40 = TSimd.MultiplyAdd(a4, b0, c40);
                c41 = TSimd.MultiplyAdd(a4, b1, c41);
            }
            if (TRows.Count > 5)
            {
                TVector a5 = TSimd.Broadcast(a[5]);
                c50 = TSimd.MultiplyAdd(a5, b0, c50);
                c51 = TSimd.MultiplyAdd(a5, b1, c51);
            }
            if (TRows.Count > 6)
            {
                TVector a6 = TSimd.Broadcast(a[6]);
                c60 = TSimd.MultiplyAdd(a6, b0, c60);
                c61 = TSimd.MultiplyAdd(a6, b1, c61);
            }
            if (TRows.Count > 7)
            {
                TVector a7 = TSimd.Broadcast(a[7]);
                c70 = TSimd.MultiplyAdd(a7, b0, c70);
                c71 = TSimd.MultiplyAdd(a7, b1, c71);
            }
            a += TRows.Count;
            b += 2 * n;
        }

        float* row = c;
        TileUpdate.Apply<TSimd, TVector>(row, c00, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c01, alpha, beta);
        if (TRows.Count > 1)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c10, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c11, alpha, beta);
        }
        if (TRows.Count > 2)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c20, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c21, alpha, beta);
        }
        if (TRows.Count > 3)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c30, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c31, alpha, beta);
        }
        if (TRows.Count > 4)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c40, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c41, alpha, beta);
        }
        if (TRows.Count > 5)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c50, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c51, alpha, beta);
        }
        if (TRows.Count > 6)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c60, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c61, alpha, beta);
        }
        if (TRows.Count > 7)
        {
            row += ldc;
            TileUpdate.Apply<TSimd, TVector>(row, c70, alpha, beta);
            TileUpdate.Apply<TSimd, TVector>(row + n, c71, alpha, beta);
        }
    }
}
