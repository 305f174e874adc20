using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding.</summary>
public static partial class Conv2d
{
    /// <summary>
    /// Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need
    /// for <paramref name="shape"/>: per thread, an im2col buffer for a group of images, an output staging buffer and a
    /// partial weight gradient. A smaller workspace (at least one slice) is still correct; it only limits the threads.
    /// </summary>
    public static int WorkspaceSize(in Conv2dShape shape) => SliceSize(shape) * Math.Max(1, Math.Min(shape.Batch, KernelSettings.ThreadCount));

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O); bias may be empty.
    /// Images are split across threads; each thread lowers a group of G images to columns (C*KH*KW, G*OH*OW) and runs
    /// one GEMM with the weights, so the weights are packed once per group rather than once per image.
    /// </summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace)
    {
        Validate(shape, input.Length, nameof(input), output.Length, nameof(output), weights.Length, workspace.Length);
        if (!bias.IsEmpty && bias.Length != shape.OutChannels)
            throw new ArgumentException($"bias has {bias.Length} elements; expected {shape.OutChannels} or none.", nameof(bias));
        Conv2dShape s = shape;
        unsafe
        {
            fixed (float* pIn = input, pW = weights, pB = bias, pOut = output, pWork = workspace)
            {
                nint inAddress = (nint)pIn, wAddress = (nint)pW, bAddress = (nint)pB, outAddress = (nint)pOut, workAddress = (nint)pWork;
                int biasLength = bias.Length;
                ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allOut = new Span<float>((float*)outAddress, s.OutputSize);
                    var b = new ReadOnlySpan<float>((float*)bAddress, biasLength);
                    for (int g = 0; g < count; g++)
                        Im2Col(s, allIn.Slice((first + g) * l.InSize, l.InSize), columns[(g * l.Spatial)..], l.Width);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.No, s.OutChannels, l.Width, l.K, 1f,
                        new ReadOnlySpan<float>((float*)wAddress, s.WeightSize), l.K, columns, l.Width, 0f, staged, l.Width);
                    for (int g = 0; g < count; g++)
                    {
                        for (int o = 0; o < s.OutChannels; o++)
                        {
                            Span<float> target = allOut.Slice((first + g) * l.OutSize + o * l.Spatial, l.Spatial);
                            ReadOnlySpan<float> source = staged.Slice(o * l.Width + g * l.Spatial, l.Spatial);
                            if (b.IsEmpty)
                                source.CopyTo(target);
                            else
                                Elementwise.Unary<AffineOperator>(source, target, 1f, b[o]);
                        }
                    }
                });
            }
        }
    }

    /// <summary>dInput (N,C,H,W) := gradient of the loss w.r.t. the input, given dOutput (N,O,OH,OW). Overwrites dInput.</summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace)
    {
        Validate(shape, dInput.Length, nameof(dInput), dOutput.Length, nameof(dOutput), weights.Length, workspace.Length);
        Conv2dShape s = shape;
        unsafe
        {
            fixed (float* pDOut = dOutput, pW = weights, pDIn = dInput, pWork = workspace)
            {
                nint dOutAddress = (nint)pDOut, wAddress = (nint)pW, dInAddress = (nint)pDIn, workAddress = (nint)pWork;
                ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    var allDIn = new Span<float>((float*)dInAddress, s.InputSize);
                    Gather(s, l, allDOut, first, count, staged);
                    Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, l.K, l.Width, s.OutChannels, 1f,
                        new ReadOnlySpan<float>((float*)wAddress, s.WeightSize), l.K, staged, l.Width, 0f, columns, l.Width);
                    for (int g = 0; g < count; g++)
                        Col2Im(s, columns[(g * l.Spatial)..], l.Width, allDIn.Slice((first + g) * l.InSize, l.InSize));
                });
            }
        }
    }

    /// <summary>
    /// dWeights (O,C,KH,KW) += and dBias (O) += their gradients; dBias may be empty. Accumulates.
    /// Each thread sums its images into its own partial buffer; partials are added in thread order, so the result is
    /// the same on every run with the same thread count.
    /// </summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace)
    {
        Validate(shape, input.Length, nameof(input), dOutput.Length, nameof(dOutput), dWeights.Length, workspace.Length);
        if (!dBias.IsEmpty && dBias.Length != shape.OutChannels)
            throw new ArgumentException($"dBias has {dBias.Length} elements; expected {shape.OutChannels} or none.", nameof(dBias));
        Conv2dShape s = shape;
        int k = s.InChannels * s.KernelHeight * s.KernelWidth;
        int partialSize = s.OutChannels * k + s.OutChannels;
        int partialOffset = SliceSize(s) - partialSize;
        int slices;
        unsafe
        {
            fixed (float* pIn = input, pDOut = dOutput, pWork = workspace)
            {
                nint inAddress = (nint)pIn, dOutAddress = (nint)pDOut, workAddress = (nint)pWork;
                var started = new bool[Math.Max(1, workspace.Length / SliceSize(s))];
                slices = ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    Span<float> partial = work.Slice(partialOffset, partialSize);
                    if (!started[slice])
                    {
                        partial.Clear();
                        started[slice] = true;
                    }
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    for (int g = 0; g < count; g++)
                        Im2Col(s, allIn.Slice((first + g) * l.InSize, l.InSize), columns[(g * l.Spatial)..], l.Width);
                    Gather(s, l, allDOut, first, count, staged);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, s.OutChannels, l.K, l.Width, 1f, staged, l.Width, columns, l.Width, 1f, partial, l.K);
                    for (int o = 0; o < s.OutChannels; o++)
                        partial[s.OutChannels * l.K + o] += (float)Reductions.Sum(staged.Slice(o * l.Width, l.Width));
                });
            }
        }
        for (int slice = 0; slice < slices; slice++)
        {
            ReadOnlySpan<float> partial = workspace.Slice(slice * SliceSize(s) + partialOffset, partialSize);
            Elementwise.AddInPlace(dWeights, partial[..(s.OutChannels * k)]);
            if (!dBias.IsEmpty)
                Elementwise.AddInPlace(dBias, partial[(s.OutChannels * k)..]);
        }
    }

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

    private static int SliceSize(in Conv2dShape s)
    {
        int group = GroupSize(s), k = s.InChannels * s.KernelHeight * s.KernelWidth, width = group * s.OutHeight * s.OutWidth;
        return k * width + s.OutChannels * width + s.OutChannels * k + s.OutChannels;
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
    private static int ForGroups(in Conv2dShape s, int workspaceLength, Action<int, int, int> body)
    {
        int slices = Math.Max(1, Math.Min(KernelParallel.Degree(s.Batch), workspaceLength / SliceSize(s)));
        int group = GroupSize(s);
        KernelParallel.ForChunks(s.Batch, slices, (slice, start, end) =>
        {
            for (int first = start; first < end; first += group)
                body(slice, first, Math.Min(group, end - first));
        });
        return slices;
    }

    private static void Validate(in Conv2dShape s, int inputLength, string inputName, int outputLength, string outputName,
        int weightLength, int workspaceLength)
    {
        if (s.Batch < 0 || s.InChannels < 1 || s.Height < 1 || s.Width < 1 || s.OutChannels < 1 || s.KernelHeight < 1 || s.KernelWidth < 1
            || s.StrideHeight < 1 || s.StrideWidth < 1 || s.PadHeight < 0 || s.PadWidth < 0 || s.OutHeight < 1 || s.OutWidth < 1)
            throw new ArgumentException($"Invalid convolution shape {s}.", nameof(s));
        bool inputIsData = inputName is "input" or "dInput";
        int expectedIn = inputIsData ? s.InputSize : s.OutputSize;
        if (inputLength != expectedIn)
            throw new ArgumentException($"{inputName} has {inputLength} elements; expected {expectedIn}.", inputName);
        int expectedOut = outputName is "output" or "dOutput" ? s.OutputSize : s.InputSize;
        if (outputLength != expectedOut)
            throw new ArgumentException($"{outputName} has {outputLength} elements; expected {expectedOut}.", outputName);
        if (weightLength != s.WeightSize)
            throw new ArgumentException($"weights have {weightLength} elements; expected {s.WeightSize}.", "weights");
        if (workspaceLength < SliceSize(s))
            throw new ArgumentException($"workspace has {workspaceLength} elements; expected at least {SliceSize(s)} (see WorkspaceSize).", "workspace");
    }


    /// <summary>columns (C*KH*KW rows, <paramref name="rowStride"/> apart) := the input patches; stride-1 rows are copied as contiguous runs.</summary>
    private static void Im2Col(in Conv2dShape s, ReadOnlySpan<float> image, Span<float> columns, int rowStride)
    {
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            Span<float> target = columns.Slice(row * rowStride, oh * ow);
            // Output columns x whose input column x*stride - pad + kx lies inside the image: [x0, x1).
            int x0 = Math.Max(0, (s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            int x1 = Math.Min(ow, (s.Width + s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            for (int y = 0; y < oh; y++)
            {
                Span<float> line = target.Slice(y * ow, ow);
                int iy = y * s.StrideHeight - s.PadHeight + ky;
                if ((uint)iy >= (uint)s.Height || x1 <= x0)
                {
                    line.Clear();
                    continue;
                }
                line[..x0].Clear();
                line[x1..].Clear();
                ReadOnlySpan<float> source = image.Slice((c * s.Height + iy) * s.Width, s.Width);
                int ix0 = x0 * s.StrideWidth - s.PadWidth + kx;
                if (s.StrideWidth == 1)
                {
                    source.Slice(ix0, x1 - x0).CopyTo(line[x0..x1]);
                }
                else
                {
                    for (int x = x0; x < x1; x++)
                        line[x] = source[ix0 + (x - x0) * s.StrideWidth];
                }
            }
        }
    }

    /// <summary>image (C, H, W) := the sum of every patch's gradient back into place (the adjoint of <see cref="Im2Col"/>).</summary>
    private static void Col2Im(in Conv2dShape s, ReadOnlySpan<float> columns, int rowStride, Span<float> image)
    {
        image.Clear();
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            ReadOnlySpan<float> source = columns.Slice(row * rowStride, oh * ow);
            int x0 = Math.Max(0, (s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            int x1 = Math.Min(ow, (s.Width + s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            if (x1 <= x0)
                continue;
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky;
                if ((uint)iy >= (uint)s.Height)
                    continue;
                Span<float> target = image.Slice((c * s.Height + iy) * s.Width, s.Width);
                int ix0 = x0 * s.StrideWidth - s.PadWidth + kx;
                if (s.StrideWidth == 1)
                {
                    Elementwise.AddInPlace(target.Slice(ix0, x1 - x0), source.Slice(y * ow + x0, x1 - x0));
                }
                else
                {
                    for (int x = x0; x < x1; x++)
                        target[ix0 + (x - x0) * s.StrideWidth] += source[y * ow + x];
                }
            }
        }
    }
}
