using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The five BLIS loops around <see cref="MicroKernel{TOps, TVector}"/>, generic over the vector width: for each NC block
/// of columns and KC slice of depth, pack B once (shared); then each (MC block of rows, range of NR panels) task packs its
/// A block and runs the register-tiled micro-kernel over its tiles. Beta is applied only on the first KC slice.
/// </summary>
internal static unsafe class GemmDriver<TOps, TVector>
    where TOps : ISimd<TVector>
    where TVector : struct
{
    [ThreadStatic]
    private static float[]? t_packedA;

    [ThreadStatic]
    private static float[]? t_packedB;

    private static int NR => MicroKernel<TOps, TVector>.NR;

    public static void Run(in GemmProblem problem, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        GemmProblem p = problem;
        if (p.M <= SmallRowKernel<TOps, TVector>.MaxRows)
        {
            fixed (float* sa = a, sb = b, sc = c)
                SmallRowKernel<TOps, TVector>.Run(p, sa, sb, sc);
            return;
        }
        int nr = NR;
        int kcMax = Math.Min(GemmBlocking.KC, p.K);
        int ncMax = Math.Min(GemmBlocking.NC, p.N);
        float[] packedB = Rent(ref t_packedB, kcMax * RoundUp(ncMax, nr));
        bool parallel = (long)p.M * p.N * p.K >= GemmBlocking.ParallelThreshold && KernelParallel.Degree(2) > 1;
        fixed (float* pa = a, pb = b, pc = c, bp = packedB)
        {
            for (int jc = 0; jc < p.N; jc += GemmBlocking.NC)
            {
                int nc = Math.Min(GemmBlocking.NC, p.N - jc);
                for (int k0 = 0; k0 < p.K; k0 += GemmBlocking.KC)
                {
                    int kc = Math.Min(GemmBlocking.KC, p.K - k0);
                    PackB(p, pb, k0, jc, kc, nc, bp);
                    float beta = k0 == 0 ? p.Beta : 1f;
                    MacroLoop(p, pa, bp, pc, k0, jc, kc, nc, beta, parallel);
                }
            }
        }
    }

    private static void MacroLoop(in GemmProblem p, float* a, float* packedB, float* c, int k0, int jc, int kc, int nc,
        float beta, bool parallel)
    {
        int panels = (nc + NR - 1) / NR;
        int rowTiles = (p.M + GemmBlocking.MR - 1) / GemmBlocking.MR;
        int threads = parallel ? KernelSettings.ThreadCount : 1;
        // Each thread takes an equal, MR-aligned share of the rows (balanced, unlike handing out MC blocks); when there are
        // too few rows (a batch of 64 against a wide B), the threads share the column panels instead.
        int rowChunks = rowTiles >= threads ? threads : 1;
        int panelChunks = rowChunks == threads ? 1 : Math.Min(panels, threads);
        int tasks = rowChunks * panelChunks;
        GemmProblem problem = p;
        if (tasks == 1)
        {
            Task(problem, a, packedB, c, k0, jc, kc, nc, beta, 0, 1, 1, rowTiles, panels);
            return;
        }
        nint aAddress = (nint)a, bAddress = (nint)packedB, cAddress = (nint)c;
        KernelParallel.For(tasks, t => Task(problem, (float*)aAddress, (float*)bAddress, (float*)cAddress, k0, jc, kc, nc, beta,
            t, rowChunks, panelChunks, rowTiles, panels));
    }

    private static void Task(in GemmProblem p, float* a, float* packedB, float* c, int k0, int jc, int kc, int nc, float beta,
        int task, int rowChunks, int panelChunks, int rowTiles, int panels)
    {
        int nr = NR, mr = GemmBlocking.MR;
        int rowChunk = task / panelChunks, panelChunk = task % panelChunks;
        int rowStart = (int)((long)rowTiles * rowChunk / rowChunks) * mr;
        int rowEnd = Math.Min(p.M, (int)((long)rowTiles * (rowChunk + 1) / rowChunks) * mr);
        int firstPanel = panels * panelChunk / panelChunks, endPanel = panels * (panelChunk + 1) / panelChunks;
        float[] packedA = Rent(ref t_packedA, RoundUp(GemmBlocking.MC, mr) * GemmBlocking.KC);
        fixed (float* ap = packedA)
        {
            for (int ic = rowStart; ic < rowEnd; ic += GemmBlocking.MC)
            {
                int mc = Math.Min(GemmBlocking.MC, rowEnd - ic);
                PackA(p, a, ic, k0, mc, kc, ap);
                for (int panel = firstPanel; panel < endPanel; panel++)
                {
                    int jr = panel * nr;
                    int nrEdge = Math.Min(nr, nc - jr);
                    float* bPanel = packedB + (long)panel * kc * nr;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int mrEdge = Math.Min(mr, mc - ir);
                        float* cTile = c + (long)(ic + ir) * p.Ldc + jc + jr;
                        MicroKernel<TOps, TVector>.Run(kc, ap + (long)ir * kc, bPanel, cTile, p.Ldc, beta, mrEdge, nrEdge);
                    }
                }
            }
        }
    }

    /// <summary>Packs alpha * op(A)[ic.., k0..] into MR-row panels, k-major within a panel, zero-padding the last panel.</summary>
    private static void PackA(in GemmProblem p, float* a, int ic, int k0, int mc, int kc, float* packed)
    {
        int mr = GemmBlocking.MR;
        float alpha = p.Alpha;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = packed + (long)ir * kc;
            for (int i = 0; i < mr; i++)
            {
                if (i >= rows)
                {
                    for (int q = 0; q < kc; q++)
                        panel[q * mr + i] = 0f;
                    continue;
                }
                int row = ic + ir + i;
                if (!p.TransposeA)
                {
                    float* source = a + (long)row * p.Lda + k0;
                    for (int q = 0; q < kc; q++)
                        panel[q * mr + i] = alpha * source[q];
                }
                else
                {
                    float* source = a + (long)k0 * p.Lda + row;
                    for (int q = 0; q < kc; q++)
                        panel[q * mr + i] = alpha * source[(long)q * p.Lda];
                }
            }
        }
    }

    /// <summary>Packs op(B)[k0.., jc..] into NR-column panels, k-major within a panel, zero-padding the last panel.</summary>
    private static void PackB(in GemmProblem p, float* b, int k0, int jc, int kc, int nc, float* packed)
    {
        int nr = NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = packed + (long)jr * kc;
            if (!p.TransposeB)
            {
                for (int q = 0; q < kc; q++)
                {
                    float* source = b + (long)(k0 + q) * p.Ldb + jc + jr;
                    float* target = panel + q * nr;
                    if (cols == nr)
                    {
                        for (int v = 0; v < nr; v += TOps.Count)
                            TOps.Store(TOps.Load(source + v), target + v);
                    }
                    else
                    {
                        for (int j = 0; j < cols; j++)
                            target[j] = source[j];
                        for (int j = cols; j < nr; j++)
                            target[j] = 0f;
                    }
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    if (j >= cols)
                    {
                        for (int q = 0; q < kc; q++)
                            panel[q * nr + j] = 0f;
                        continue;
                    }
                    float* source = b + (long)(jc + jr + j) * p.Ldb + k0;
                    for (int q = 0; q < kc; q++)
                        panel[q * nr + j] = source[q];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static float[] Rent(ref float[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size)
            buffer = GC.AllocateUninitializedArray<float>(size, pinned: true);
        return buffer;
    }
}
