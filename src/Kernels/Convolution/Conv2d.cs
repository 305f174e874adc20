using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding.</summary>
public static partial class Conv2d
{
    /// <summary>
    /// Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need
    /// for <paramref name="shape"/>: one im2col buffer and one partial weight gradient per thread that may work on the batch.
    /// A smaller workspace is still correct; it only limits how many threads are used.
    /// </summary>
    public static int WorkspaceSize(in Conv2dShape shape) => SliceSize(shape) * Math.Max(1, Math.Min(shape.Batch, KernelSettings.ThreadCount));

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O); bias may be empty.
    /// Images are split across threads; each image is one GEMM: weights (O, C*KH*KW) x columns (C*KH*KW, OH*OW).
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
                ForImages(s, workspace.Length, (slice, first, end) =>
                {
                    int k = s.InChannels * s.KernelHeight * s.KernelWidth, spatial = s.OutHeight * s.OutWidth;
                    int inSize = s.InChannels * s.Height * s.Width, outSize = s.OutChannels * spatial;
                    var columns = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), k * spatial);
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allOut = new Span<float>((float*)outAddress, s.OutputSize);
                    var w = new ReadOnlySpan<float>((float*)wAddress, s.WeightSize);
                    var b = new ReadOnlySpan<float>((float*)bAddress, biasLength);
                    for (int n = first; n < end; n++)
                    {
                        Im2Col(s, allIn.Slice(n * inSize, inSize), columns);
                        Span<float> o = allOut.Slice(n * outSize, outSize);
                        for (int c = 0; c < s.OutChannels; c++)
                            o.Slice(c * spatial, spatial).Fill(b.IsEmpty ? 0f : b[c]);
                        Gemm.Gemm.Multiply(Transpose.No, Transpose.No, s.OutChannels, spatial, k, 1f, w, k, columns, spatial, 1f, o, spatial);
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
                ForImages(s, workspace.Length, (slice, first, end) =>
                {
                    int k = s.InChannels * s.KernelHeight * s.KernelWidth, spatial = s.OutHeight * s.OutWidth;
                    int inSize = s.InChannels * s.Height * s.Width, outSize = s.OutChannels * spatial;
                    var columns = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), k * spatial);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    var allDIn = new Span<float>((float*)dInAddress, s.InputSize);
                    var w = new ReadOnlySpan<float>((float*)wAddress, s.WeightSize);
                    for (int n = first; n < end; n++)
                    {
                        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, k, spatial, s.OutChannels, 1f, w, k,
                            allDOut.Slice(n * outSize, outSize), spatial, 0f, columns, spatial);
                        Col2Im(s, columns, allDIn.Slice(n * inSize, inSize));
                    }
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
        int k = s.InChannels * s.KernelHeight * s.KernelWidth, spatial = s.OutHeight * s.OutWidth;
        int partialSize = s.OutChannels * k + s.OutChannels;
        int slices;
        unsafe
        {
            fixed (float* pIn = input, pDOut = dOutput, pWork = workspace)
            {
                nint inAddress = (nint)pIn, dOutAddress = (nint)pDOut, workAddress = (nint)pWork;
                slices = ForImages(s, workspace.Length, (slice, first, end) =>
                {
                    int inSize = s.InChannels * s.Height * s.Width, outSize = s.OutChannels * spatial;
                    float* sliceStart = (float*)workAddress + (long)slice * SliceSize(s);
                    var columns = new Span<float>(sliceStart, k * spatial);
                    var partial = new Span<float>(sliceStart + (long)k * spatial, partialSize);
                    partial.Clear();
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    for (int n = first; n < end; n++)
                    {
                        Im2Col(s, allIn.Slice(n * inSize, inSize), columns);
                        ReadOnlySpan<float> d = allDOut.Slice(n * outSize, outSize);
                        Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, s.OutChannels, k, spatial, 1f, d, spatial, columns, spatial, 1f, partial, k);
                        for (int c = 0; c < s.OutChannels; c++)
                        {
                            float sum = 0;
                            foreach (float v in d.Slice(c * spatial, spatial))
                                sum += v;
                            partial[s.OutChannels * k + c] += sum;
                        }
                    }
                });
            }
        }
        for (int slice = 0; slice < slices; slice++)
        {
            ReadOnlySpan<float> partial = workspace.Slice(slice * SliceSize(s) + k * spatial, partialSize);
            Elementwise.AddInPlace(dWeights, partial[..(s.OutChannels * k)]);
            if (!dBias.IsEmpty)
                Elementwise.AddInPlace(dBias, partial[(s.OutChannels * k)..]);
        }
    }

    private static int SliceSize(in Conv2dShape s) =>
        s.InChannels * s.KernelHeight * s.KernelWidth * (s.OutHeight * s.OutWidth + s.OutChannels) + s.OutChannels;

    /// <summary>Splits the batch into contiguous runs, one per workspace slice; returns how many slices ran.</summary>
    private static int ForImages(in Conv2dShape s, int workspaceLength, Action<int, int, int> body)
    {
        int slices = Math.Max(1, Math.Min(Math.Min(s.Batch, KernelSettings.ThreadCount), workspaceLength / SliceSize(s)));
        int batch = s.Batch;
        if (slices == 1)
        {
            body(0, 0, batch);
            return 1;
        }
        Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices },
            slice => body(slice, (int)((long)batch * slice / slices), (int)((long)batch * (slice + 1) / slices)));
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

    /// <summary>columns (C*KH*KW, OH*OW) := the input patches; stride-1 rows are copied as contiguous runs.</summary>
    private static void Im2Col(in Conv2dShape s, ReadOnlySpan<float> image, Span<float> columns)
    {
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            Span<float> target = columns.Slice(row * oh * ow, oh * ow);
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
    private static void Col2Im(in Conv2dShape s, ReadOnlySpan<float> columns, Span<float> image)
    {
        image.Clear();
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            ReadOnlySpan<float> source = columns.Slice(row * oh * ow, oh * ow);
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
