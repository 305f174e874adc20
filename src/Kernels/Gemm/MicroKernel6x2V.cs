using System.Runtime.CompilerServices;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// Register-tiled micro-kernel: 6 rows x 2 vectors of C held in 12 accumulators; per k step it loads 2 B vectors,
/// broadcasts 6 A values and issues 12 FMAs. Written out row by row because the JIT keeps only named locals in registers.
/// </summary>
internal readonly unsafe struct MicroKernel6x2V<TSimd, TVector> : IMicroKernel
    where TSimd : struct, ISimd<TVector>
    where TVector : unmanaged
{
    public static int MR => 6;
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
        int n = TSimd.Count;
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TSimd.Load(b);
            TVector b1 = TSimd.Load(b + n);
            TVector a0 = TSimd.Broadcast(a[0]);
            c00 = TSimd.MultiplyAdd(a0, b0, c00);
            c01 = TSimd.MultiplyAdd(a0, b1, c01);
            TVector a1 = TSimd.Broadcast(a[1]);
            c10 = TSimd.MultiplyAdd(a1, b0, c10);
            c11 = TSimd.MultiplyAdd(a1, b1, c11);
            TVector a2 = TSimd.Broadcast(a[2]);
            c20 = TSimd.MultiplyAdd(a2, b0, c20);
            c21 = TSimd.MultiplyAdd(a2, b1, c21);
            TVector a3 = TSimd.Broadcast(a[3]);
            c30 = TSimd.MultiplyAdd(a3, b0, c30);
            c31 = TSimd.MultiplyAdd(a3, b1, c31);
            TVector a4 = TSimd.Broadcast(a[4]);
            c40 = TSimd.MultiplyAdd(a4, b0, c40);
            c41 = TSimd.MultiplyAdd(a4, b1, c41);
            TVector a5 = TSimd.Broadcast(a[5]);
            c50 = TSimd.MultiplyAdd(a5, b0, c50);
            c51 = TSimd.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 2 * n;
        }

        float* row = c;
        TileUpdate.Apply<TSimd, TVector>(row, c00, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c01, alpha, beta);
        row += ldc;
        TileUpdate.Apply<TSimd, TVector>(row, c10, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c11, alpha, beta);
        row += ldc;
        TileUpdate.Apply<TSimd, TVector>(row, c20, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c21, alpha, beta);
        row += ldc;
        TileUpdate.Apply<TSimd, TVector>(row, c30, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c31, alpha, beta);
        row += ldc;
        TileUpdate.Apply<TSimd, TVector>(row, c40, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c41, alpha, beta);
        row += ldc;
        TileUpdate.Apply<TSimd, TVector>(row, c50, alpha, beta);
        TileUpdate.Apply<TSimd, TVector>(row + n, c51, alpha, beta);
    }
}
