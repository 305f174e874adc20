using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The register tile: C[MR x NR] := beta * C + A_panel * B_panel with MR = 6 rows and NR = two vectors, i.e. 12 vector
/// accumulators, one broadcast of A and two loads of B per k step (6x32 with Vector512, 6x16 with Vector256, 6x8 with
/// Vector128, 6x2 scalar). Panels are packed and zero-padded, so the k loop never branches; only the write-back handles
/// partial tiles. When beta is 0, C is not read.
/// </summary>
internal static unsafe class MicroKernel<TOps, TVector>
    where TOps : ISimd<TVector>
    where TVector : struct
{
    /// <summary>Columns of the tile: two registers.</summary>
    public static int NR => 2 * TOps.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, float beta, int mr, int nr)
    {
        int w = TOps.Count, stride = 2 * w;
        TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
        TVector c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        for (int q = 0; q < kc; q++)
        {
            TVector b0 = TOps.Load(b), b1 = TOps.Load(b + w);
            TVector x = TOps.Broadcast(a[0]);
            c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(a[1]);
            c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(a[2]);
            c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(a[3]);
            c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(a[4]);
            c40 = TOps.MultiplyAdd(x, b0, c40); c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(a[5]);
            c50 = TOps.MultiplyAdd(x, b0, c50); c51 = TOps.MultiplyAdd(x, b1, c51);
            a += GemmBlocking.MR;
            b += stride;
        }
        if (mr == GemmBlocking.MR && nr == stride)
        {
            WriteRow(c, w, beta, c00, c01);
            WriteRow(c + ldc, w, beta, c10, c11);
            WriteRow(c + 2 * ldc, w, beta, c20, c21);
            WriteRow(c + 3 * ldc, w, beta, c30, c31);
            WriteRow(c + 4 * ldc, w, beta, c40, c41);
            WriteRow(c + 5 * ldc, w, beta, c50, c51);
            return;
        }
        float* tile = stackalloc float[GemmBlocking.MR * 2 * 64];
        TOps.Store(c00, tile); TOps.Store(c01, tile + w);
        TOps.Store(c10, tile + stride); TOps.Store(c11, tile + stride + w);
        TOps.Store(c20, tile + 2 * stride); TOps.Store(c21, tile + 2 * stride + w);
        TOps.Store(c30, tile + 3 * stride); TOps.Store(c31, tile + 3 * stride + w);
        TOps.Store(c40, tile + 4 * stride); TOps.Store(c41, tile + 4 * stride + w);
        TOps.Store(c50, tile + 5 * stride); TOps.Store(c51, tile + 5 * stride + w);
        for (int i = 0; i < mr; i++)
        {
            float* row = c + (long)i * ldc;
            for (int j = 0; j < nr; j++)
                row[j] = beta == 0 ? tile[i * stride + j] : tile[i * stride + j] + beta * row[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRow(float* row, int w, float beta, TVector left, TVector right)
    {
        if (beta == 0)
        {
            TOps.Store(left, row);
            TOps.Store(right, row + w);
        }
        else if (beta == 1)
        {
            TOps.Store(TOps.Add(left, TOps.Load(row)), row);
            TOps.Store(TOps.Add(right, TOps.Load(row + w)), row + w);
        }
        else
        {
            TVector scale = TOps.Broadcast(beta);
            TOps.Store(TOps.MultiplyAdd(scale, TOps.Load(row), left), row);
            TOps.Store(TOps.MultiplyAdd(scale, TOps.Load(row + w), right), row + w);
        }
    }
}
