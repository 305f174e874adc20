using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The five BLIS loops around a micro-kernel, generic over it so the choice of kernel costs nothing inside the loops:
/// jc (NC columns) → pc (KC depth, pack B) → ic (MC rows, pack A) → jr (NR) → ir (MR) → micro-kernel.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : IMicroKernel
{
    /// <summary>
    /// Below this many multiply-adds a second thread costs more than it saves: waking a parked worker takes tens of
    /// microseconds, which single-sequence scoring (an LSTM input projection of 28 x 512 x 28) paid on every call.
    /// </summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>
    /// Rows per thread from which the shared-B path with dynamic row blocks is used. Below it the static split is a few
    /// percent faster on an idle machine (one fork/join instead of two per k block); above it the dynamic hand-out keeps
    /// the speed-up when the cores are shared with other work (1024^3 on 2 busy cores: ~110 -> ~300 GFLOPS).
    /// </summary>
    private const int SharedBMinRowsPerThread = 512;

    /// <summary>Runs the whole product, split into tile-aligned ranges of M or N across the configured threads.</summary>
    public static void Multiply(in GemmOperands op)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int rowTiles = (op.M + mr - 1) / mr;
        int colTiles = (op.N + nr - 1) / nr;
        int threads = (long)op.M * op.N * op.K < ParallelThreshold ? 1 : KernelParallel.Degree(Math.Max(rowTiles, colTiles));
        if (threads <= 1)
        {
            MultiplyBlock(op, 0, op.M, 0, op.N);
            return;
        }

        if (op.M >= SharedBMinRowsPerThread * threads)
        {
            MultiplySharedB(op, threads);
            return;
        }

        MultiplySplit(op, threads, rowTiles, colTiles);
    }

    /// <summary>
    /// Splits the dimension whose busiest thread does the least padded work; N on ties, since then each thread packs
    /// only its own columns of B (the bigger operand in most layer shapes). A method of its own because the lambdas'
    /// captured copy is allocated on entry to the scope that declares it: in <see cref="Multiply"/> every call,
    /// single-threaded ones too, would allocate it.
    /// </summary>
    private static void MultiplySplit(GemmOperands operands, int threads, int rowTiles, int colTiles)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        long rowSplitWork = (long)((rowTiles + threads - 1) / threads) * mr * operands.N;
        long colSplitWork = (long)((colTiles + threads - 1) / threads) * nr * operands.M;
        if (rowSplitWork < colSplitWork)
        {
            KernelParallel.ForRanges(rowTiles, (start, end) =>
                MultiplyBlock(operands, start * mr, Math.Min(operands.M, end * mr), 0, operands.N));
        }
        else
        {
            KernelParallel.ForRanges(colTiles, (start, end) =>
                MultiplyBlock(operands, 0, operands.M, start * nr, Math.Min(operands.N, end * nr)));
        }
    }

    /// <summary>
    /// Large products: each kc x nc panel of B is packed once (split across threads) and shared, then the MC-row blocks
    /// are handed out dynamically, each worker packing its own A block. Dynamic hand-out keeps both cores busy when one
    /// is slowed by other work; the block grid is fixed, so results do not depend on which thread ran which block.
    /// </summary>
    private static void MultiplySharedB(GemmOperands op, int threads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = GemmBlocking.DepthBlock(op.K);
        int ncMax = GemmBlocking.NC(nr);
        // A whole number of equal row blocks per thread (1024 rows: 8 x 128, not 7 x 144 + 16), so no thread idles at
        // the end. Blocks start on multiples of MR, so the tile grid (and the result) is the same for any thread count.
        int rowBlocks = (op.M + GemmBlocking.MC(mr) - 1) / GemmBlocking.MC(mr);
        rowBlocks = (rowBlocks + threads - 1) / threads * threads;
        int mcMax = RoundUp((op.M + rowBlocks - 1) / rowBlocks, mr);
        rowBlocks = (op.M + mcMax - 1) / mcMax;
        float* packedB = PackingBuffers.Current.B(RoundUp(Math.Min(ncMax, op.N), nr) * kcMax);

        for (int jc = 0; jc < op.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, op.N - jc);
            int panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                float beta = pc == 0 ? op.Beta : 1f;
                int panelStart = jc, depthStart = pc;
                KernelParallel.ForRanges(panels, (first, end) =>
                    Packing.PackB<TKernel>(op, depthStart, panelStart + first * nr, kc,
                        Math.Min(nc, end * nr) - first * nr, packedB + first * nr * kc));
                KernelParallel.For(rowBlocks, block =>
                {
                    int ic = block * mcMax;
                    int mc = Math.Min(mcMax, op.M - ic);
                    float* packedA = PackingBuffers.Current.A(RoundUp(mcMax, mr) * kcMax);
                    float* edge = stackalloc float[mr * nr];
                    Packing.PackA<TKernel>(op, ic, depthStart, mc, kc, packedA);
                    MacroKernel(op, packedA, packedB, ic, panelStart, mc, nc, kc, beta, edge);
                });
            }
        }
    }

    /// <summary>C[rowStart..rowEnd, colStart..colEnd] on the calling thread, with its own packing buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBlock(in GemmOperands op, int rowStart, int rowEnd, int colStart, int colEnd)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = GemmBlocking.DepthBlock(op.K);
        int mcMax = GemmBlocking.MC(mr);
        int ncMax = GemmBlocking.NC(nr);
        int rows = rowEnd - rowStart, cols = colEnd - colStart;

        PackingBuffers buffers = PackingBuffers.Current;
        float* packedA = buffers.A(RoundUp(Math.Min(mcMax, rows), mr) * kcMax);
        float* packedB = buffers.B(RoundUp(Math.Min(ncMax, cols), nr) * kcMax);
        float* edge = stackalloc float[mr * nr];

        for (int jc = colStart; jc < colEnd; jc += ncMax)
        {
            int nc = Math.Min(ncMax, colEnd - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                // Beta scales C once, on the first rank-kc update; later updates accumulate into it.
                float beta = pc == 0 ? op.Beta : 1f;
                Packing.PackB<TKernel>(op, pc, jc, kc, nc, packedB);
                for (int ic = rowStart; ic < rowEnd; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, rowEnd - ic);
                    Packing.PackA<TKernel>(op, ic, pc, mc, kc, packedA);
                    MacroKernel(op, packedA, packedB, ic, jc, mc, nc, kc, beta, edge);
                }
            }
        }
    }

    /// <summary>Packs all of op(B) block by block (jc, then pc), in the order <see cref="MultiplyPackedB"/> reads it.</summary>
    public static void PackAllB(in GemmOperands op, float* packed) => PackSomeB(op, packed, 0, 1);

    /// <summary>
    /// Packs share <paramref name="part"/> of <paramref name="parts"/> of the blocks <see cref="PackAllB"/> packs (a
    /// contiguous run of whole panels), each at its place in the packed layout, so that threads can pack one operand together.
    /// </summary>
    public static void PackSomeB(in GemmOperands op, float* packed, int part, int parts)
    {
        int nr = TKernel.NR, kcMax = GemmBlocking.DepthBlock(op.K), ncMax = GemmBlocking.NC(nr);
        int panels = (op.N + nr - 1) / nr;
        // Panels [first, end) of the whole operand, cut at panel edges; a block (jc, pc) packs the ones that fall in it.
        int first = (int)((long)panels * part / parts), end = (int)((long)panels * (part + 1) / parts);
        for (int jc = 0; jc < op.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, op.N - jc);
            int blockFirst = Math.Max(first, jc / nr), blockEnd = Math.Min(end, (jc + nc + nr - 1) / nr);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                if (blockFirst < blockEnd)
                {
                    int column = blockFirst * nr;
                    Packing.PackB<TKernel>(op, pc, column, kc, Math.Min(jc + nc, blockEnd * nr) - column, packed + (column - jc) * kc);
                }
                packed += RoundUp(nc, nr) * kc;
            }
        }
    }

    /// <summary>The whole product on the calling thread, B already packed by <see cref="PackAllB"/>: the loops of <see cref="MultiplyBlock"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyPackedB(in GemmOperands op, float* packedB)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = GemmBlocking.DepthBlock(op.K), mcMax = GemmBlocking.MC(mr), ncMax = GemmBlocking.NC(nr);
        float* packedA = PackingBuffers.Current.A(RoundUp(Math.Min(mcMax, op.M), mr) * kcMax);
        float* edge = stackalloc float[mr * nr];
        for (int jc = 0; jc < op.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, op.N - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                float beta = pc == 0 ? op.Beta : 1f;
                for (int ic = 0; ic < op.M; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, op.M - ic);
                    Packing.PackA<TKernel>(op, ic, pc, mc, kc, packedA);
                    MacroKernel(op, packedA, packedB, ic, jc, mc, nc, kc, beta, edge);
                }
                packedB += RoundUp(nc, nr) * kc;
            }
        }
    }

    /// <summary>The two innermost loops over the packed block: every NR-wide panel of B against every MR-tall panel of A.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroKernel(in GemmOperands op, float* packedA, float* packedB,
        int ic, int jc, int mc, int nc, int kc, float beta, float* edge)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        float alpha = op.Alpha;
        nint ldc = op.Ldc;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* bPanel = packedB + jr * kc;
            float* cColumn = op.C + ic * ldc + jc + jr;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* aPanel = packedA + ir * kc;
                float* cTile = cColumn + ir * ldc;
                if (rows == mr && cols == nr)
                {
                    TKernel.Run(kc, aPanel, bPanel, cTile, ldc, alpha, beta);
                }
                else
                {
                    // Partial tile: let the kernel fill a full scratch tile, then copy only the part inside C.
                    TKernel.Run(kc, aPanel, bPanel, edge, nr, 1f, 0f);
                    MergeEdge(edge, nr, cTile, ldc, rows, cols, alpha, beta);
                }
            }
        }
    }

    private static void MergeEdge(float* tile, int nr, float* c, nint ldc, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++, tile += nr, c += ldc)
        {
            if (beta == 0f)
            {
                for (int j = 0; j < cols; j++)
                    c[j] = alpha * tile[j];
            }
            else
            {
                for (int j = 0; j < cols; j++)
                    c[j] = alpha * tile[j] + beta * c[j];
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
