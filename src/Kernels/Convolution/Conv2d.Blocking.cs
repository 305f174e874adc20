using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution: how the batch is split into threads and image groups, and the shape check.</summary>
public static partial class Conv2d
{
    /// <summary>Sizes of one group of images lowered together.</summary>
    private readonly struct Layout
    {
        public Layout(in Conv2dShape s, int count)
        {
            K = s.InChannels * s.KernelHeight * s.KernelWidth;
            Spatial = s.OutHeight * s.OutWidth;
            Width = count * Spatial;
            InSize = s.InChannels * s.Height * s.Width;
            OutSize = s.OutChannels * Spatial;
        }

        public int K { get; }
        public int Spatial { get; }
        public int Width { get; }
        public int InSize { get; }
        public int OutSize { get; }
    }

    /// <summary>Images lowered together: enough to give the GEMM a wide N, few enough that the columns stay near 2 MB.</summary>
    private static int GroupSize(in Conv2dShape s)
    {
        long perImage = (long)s.InChannels * s.KernelHeight * s.KernelWidth * s.OutHeight * s.OutWidth;
        return (int)Math.Clamp((1L << 19) / Math.Max(1, perImage), 1, Math.Max(1, s.Batch));
    }

    /// <summary>Floats per thread: the largest of what the forward, backward-data and weight-gradient passes lay out.</summary>
    private static int SliceSize(in Conv2dShape s)
    {
        PatchGeometry g = PatchGeometry.Forward(s);
        int forward = Math.Max(PatchWorkspace.Product(g, s.Batch).Size, Winograd3x3.Fits(g) ? new WinogradLayout(g).Size : 0);
        int data = ColumnsSliceSize(s);
        if (PatchGeometry.HasBackwardData(s))
        {
            PatchGeometry back = PatchGeometry.BackwardData(s);
            data = Math.Max(PatchWorkspace.Product(back, s.Batch).Size, Winograd3x3.Fits(back) ? new WinogradLayout(back).Size : 0);
        }
        // The Winograd weight gradient keeps its planes after the partial sums the slices are reduced from.
        int weights = PatchWorkspace.WeightGradient(g, s.Batch).Size + (Winograd3x3.Fits(g) ? new WinogradLayout(g).Size : 0);
        return Math.Max(forward, Math.Max(data, weights));
    }

    /// <summary>Floats per thread of the column path (<see cref="BackwardDataByColumns"/>): columns and staged dOutput.</summary>
    private static int ColumnsSliceSize(in Conv2dShape s)
    {
        int group = GroupSize(s), k = s.InChannels * s.KernelHeight * s.KernelWidth, width = group * s.OutHeight * s.OutWidth;
        return k * width + s.OutChannels * width;
    }

    /// <summary>staged (O, G*OH*OW) := dOutput of images [first, first + count), channel-major so one GEMM covers the group.</summary>
    private static void Gather(in Conv2dShape s, in Layout l, ReadOnlySpan<float> dOutput, int first, int count, Span<float> staged)
    {
        for (int g = 0; g < count; g++)
        {
            for (int o = 0; o < s.OutChannels; o++)
                dOutput.Slice((first + g) * l.OutSize + o * l.Spatial, l.Spatial).CopyTo(staged.Slice(o * l.Width + g * l.Spatial, l.Spatial));
        }
    }

    /// <summary>
    /// Splits the batch into contiguous runs, one per workspace slice (thread), and each run into groups of
    /// <see cref="GroupSize"/> images; calls body(slice, firstImage, imageCount) per group. Returns how many slices ran.
    /// </summary>
    private static int ForGroups(in Conv2dShape s, int workspaceLength, int sliceSize, Action<int, int, int> body)
    {
        int slices = Math.Max(1, Math.Min(KernelParallel.Degree(s.Batch), workspaceLength / sliceSize));
        int group = GroupSize(s);
        KernelParallel.ForChunks(s.Batch, slices, (slice, start, end) =>
        {
            for (int first = start; first < end; first += group)
                body(slice, first, Math.Min(group, end - first));
        });
        return slices;
    }

    /// <summary>Throws unless every size is positive (batch and padding may be 0) and the kernel fits the padded input.</summary>
    private static void ValidateShape(in Conv2dShape s, [CallerArgumentExpression(nameof(s))] string name = "")
    {
        if (s.Batch < 0 || s.InChannels < 1 || s.Height < 1 || s.Width < 1 || s.OutChannels < 1 || s.KernelHeight < 1 || s.KernelWidth < 1
            || s.StrideHeight < 1 || s.StrideWidth < 1 || s.PadHeight < 0 || s.PadWidth < 0 || s.OutHeight < 1 || s.OutWidth < 1)
            throw new ArgumentException($"Invalid convolution shape {s}.", name);
    }
}
