using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>1-D convolution: how the batch is split into sample groups and threads, and argument checks.</summary>
public static partial class Conv1d
{
    /// <summary>
    /// Input channels from which the tap-by-tap lowering is used. Below it a tap's GEMM has too little depth to pay for
    /// reading and writing its output tile once per tap (about 1/C of the work), and gathering windows of K*C is cheaper.
    /// </summary>
    internal const int TapMinChannels = 16;

    /// <summary>Floats of gathered windows per block: 256 KB, so a block stays in L2 while the GEMM packs it.</summary>
    private const int ColumnBudget = 1 << 16;

    /// <summary>Groups a batch is cut into at least (when it has that many samples), so threads balance.</summary>
    private const int MinGroups = 16;

    /// <summary>
    /// The partition of one shape into work. It depends on the shape alone, never on the thread count or the workspace,
    /// so every output and gradient element is computed by the same GEMM calls in the same order however the work is
    /// spread: results are bit-identical across runs and thread counts.
    /// </summary>
    private readonly struct Plan
    {
        public Plan(in Conv1dShape s, Conv1dLowering lowering)
        {
            Taps = lowering == Conv1dLowering.Taps || (lowering == Conv1dLowering.Automatic && s.InputChannels >= TapMinChannels);
            int budgetRows = Math.Max(1, ColumnBudget / s.WindowSize);
            SamplesPerGroup = Math.Clamp(budgetRows / s.OutputSteps, 1, Math.Max(1, (s.Batch + MinGroups - 1) / MinGroups));
            Groups = (s.Batch + SamplesPerGroup - 1) / SamplesPerGroup;
            BlockRows = Math.Min(budgetRows, SamplesPerGroup * s.OutputSteps);
            PartialSize = s.OutputChannels * s.WindowSize + s.OutputChannels;
            SliceSize = (Taps ? 0 : BlockRows * s.WindowSize) + PartialSize;
        }

        /// <summary>Whether passes run tap by tap rather than on gathered windows.</summary>
        public bool Taps { get; }
        /// <summary>Consecutive samples per group: a thread's unit of work and of weight-gradient partial sums.</summary>
        public int SamplesPerGroup { get; }
        /// <summary>Groups in the batch.</summary>
        public int Groups { get; }
        /// <summary>Output rows (n*T_out + t) gathered per GEMM on the window path.</summary>
        public int BlockRows { get; }
        /// <summary>Floats of one weight-and-bias gradient partial: O*K*C + O.</summary>
        public int PartialSize { get; }
        /// <summary>Floats of workspace per thread: the window block (window path only) and a gradient partial.</summary>
        public int SliceSize { get; }
        /// <summary>Floats of workspace before the slices: the sum of every group's partial, added to the gradients once.</summary>
        public int TotalSize => PartialSize;
        /// <summary>The smallest workspace a pass accepts: the total and one slice.</summary>
        public int MinimumWorkspace => TotalSize + SliceSize;

        /// <summary>Where slice <paramref name="slice"/> starts in the workspace.</summary>
        public long SliceOffset(int slice) => TotalSize + (long)slice * SliceSize;

        /// <summary>The samples [First, First + Count) of <paramref name="group"/>.</summary>
        public (int First, int Count) Samples(int group, int batch)
        {
            int first = group * SamplesPerGroup;
            return (first, Math.Min(SamplesPerGroup, batch - first));
        }

        /// <summary>Threads (and workspace slices) a pass uses: as many as there are groups, threads and slices.</summary>
        public int Slots(int workspaceLength) => Math.Max(1, Math.Min(KernelParallel.Degree(Groups), (workspaceLength - TotalSize) / SliceSize));
    }

    /// <summary>Runs body(slice, group) for every group, contiguous runs of groups per workspace slice (thread).</summary>
    private static void ForGroups(in Plan plan, int workspaceLength, Action<int, int> body)
        => KernelParallel.ForChunks(plan.Groups, plan.Slots(workspaceLength), (slice, start, end) =>
        {
            for (int group = start; group < end; group++)
                body(slice, group);
        });

    /// <summary>
    /// Output steps [First, End) whose tap <paramref name="tap"/> lands inside the sequence, and the input step it reads for
    /// step First; the rest of that tap reads padding, which contributes nothing.
    /// </summary>
    private static (int First, int End, int Position) TapRows(in Conv1dShape s, int tap)
    {
        int offset = tap * s.Dilation - s.PadLeft; // input step of this tap at output step 0
        int first = offset >= 0 ? 0 : (-offset + s.Stride - 1) / s.Stride;
        int end = offset >= s.Steps ? 0 : Math.Min(s.OutputSteps, (s.Steps - offset + s.Stride - 1) / s.Stride);
        return (first, Math.Max(first, end), first * s.Stride + offset);
    }

    private static void ValidateShape(in Conv1dShape s)
    {
        string? problem =
            s.Batch < 0 ? "Batch must not be negative" :
            s.Steps < 1 ? "Steps must be at least 1" :
            s.InputChannels < 1 ? "InputChannels must be at least 1" :
            s.OutputChannels < 1 ? "OutputChannels must be at least 1" :
            s.KernelSize < 1 ? "KernelSize must be at least 1" :
            s.Stride < 1 ? "Stride must be at least 1" :
            s.Dilation < 1 ? "Dilation must be at least 1" :
            s.PadLeft < 0 || s.PadRight < 0 ? "PadLeft and PadRight must not be negative" :
            (long)s.Steps + s.PadLeft + s.PadRight < (long)s.Dilation * (s.KernelSize - 1) + 1
                ? $"the padded sequence (Steps + PadLeft + PadRight = {(long)s.Steps + s.PadLeft + s.PadRight}) is shorter than the dilated kernel (Dilation*(KernelSize-1)+1 = {(long)s.Dilation * (s.KernelSize - 1) + 1})" :
            (long)s.Batch * s.Steps * s.InputChannels > int.MaxValue || (long)s.Batch * s.OutputSteps * s.OutputChannels > int.MaxValue
                || (long)s.OutputChannels * s.KernelSize * s.InputChannels > int.MaxValue
                ? "the input, output or weights would exceed int.MaxValue elements" :
            null;
        if (problem is not null)
            throw new ArgumentException($"Invalid 1-D convolution shape {s}: {problem}.", "shape");
    }

    private static void CheckLength(int actual, int expected, string name, string formula)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} elements; expected {formula} = {expected}.", name);
    }

    private static void CheckWorkspace(in Plan plan, int length)
    {
        if (length < plan.MinimumWorkspace)
            throw new ArgumentException($"workspace has {length} elements; expected at least {plan.MinimumWorkspace} (see WorkspaceSize).", "workspace");
    }
}
