using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution: the backward passes (data and weights).</summary>
public static partial class Conv2d
{
    /// <summary>
    /// dInput (N,C,H,W) := gradient of the loss w.r.t. the input, given dOutput (N,O,OH,OW). Overwrites dInput.
    /// At stride 1 this is the forward implicit GEMM over dOutput padded by KH-1-pad with the kernel flipped and its
    /// channels swapped; other strides lower to columns and scatter them back (<see cref="BackwardDataByColumns"/>).
    /// </summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace)
    {
        ValidateShape(shape);
        Require.Length(dOutput, shape.OutputSize);
        Require.Length(weights, shape.WeightSize);
        Require.Length(dInput, shape.InputSize);
        Require.AtLeast(workspace, SliceSize(shape));
        if (PatchGeometry.HasBackwardData(shape))
            RunProduct(shape, PatchGeometry.BackwardData(shape), dOutput, weights, flipped: true, [], dInput, workspace);
        else
            BackwardDataByColumns(shape, dOutput, weights, dInput, workspace, SliceSize(shape));
    }

    /// <summary>
    /// dWeights (O,C,KH,KW) += and dBias (O) += their gradients; dBias may be empty. Accumulates.
    /// Each thread sums its images into its own partial buffer; partials are added in thread order, so the result is
    /// the same on every run with the same thread count.
    /// </summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace)
    {
        ValidateShape(shape);
        Require.Length(input, shape.InputSize);
        Require.Length(dOutput, shape.OutputSize);
        Require.Length(dWeights, shape.WeightSize);
        Require.LengthOrEmpty(dBias, shape.OutChannels);
        Require.AtLeast(workspace, SliceSize(shape));
        if (shape.Batch == 0)
            return;
        unsafe
        {
            fixed (float* pIn = input, pDOut = dOutput, pDW = dWeights, pDB = dBias, pWork = workspace)
            {
                var op = new GradientOperands(PatchGeometry.Forward(shape), shape.Batch, pIn, pDOut, pDW, dBias.IsEmpty ? null : pDB,
                    pWork, workspace.Length, SliceSize(shape));
                switch (KernelSettings.EffectiveVectorWidth)
                {
                    case VectorWidth.Bits512: BackwardWeights<EightRows, Simd512, Vector512<float>>(op); break;
                    case VectorWidth.Bits256: BackwardWeights<SixRows, Simd256, Vector256<float>>(op); break;
                    case VectorWidth.Bits128: BackwardWeights<SixRows, Simd128, Vector128<float>>(op); break;
                    default: BackwardWeights<SixRows, SimdScalar, float>(op); break;
                }
            }
        }
    }

    private static unsafe void BackwardWeights<TRows, TSimd, TVector>(GradientOperands op)
        where TRows : struct, ITileRows
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        PatchGeometry g = op.Geometry;
        PatchWorkspace layout = PatchWorkspace.WeightGradient(g, op.Batch);
        int k = g.Depth, o = g.OutChannels, pixels = g.OutPixels;
        int ldp = PatchWeightGradient<TRows, TSimd, TVector>.PartialStride(o);
        int partialSize = PatchWeightGradient<TRows, TSimd, TVector>.PartialRows(k) * ldp;
        int slices = Math.Max(1, Math.Min(KernelParallel.Degree(op.Batch), op.WorkspaceLength / op.SliceSize));
        KernelParallel.ForChunks(op.Batch, slices, new GradientState(op, g, layout, partialSize),
            static (in GradientState state, int slice, int start, int end) =>
        {
            GradientOperands op = state.Operands;
            PatchGeometry g = state.Geometry;
            PatchWorkspace layout = state.Layout;
            int o = g.OutChannels, pixels = g.OutPixels, partialSize = state.PartialSize;
            float* work = (float*)op.Workspace + (long)slice * op.SliceSize;
            int* offsets = (int*)work;
            float* padded = work + layout.Padded, aPanels = PatchWorkspace.At(work, layout.First), bPanel = PatchWorkspace.At(work, layout.Second);
            float* partial = PatchWorkspace.At(work, layout.Third), biasPartial = work + layout.Fourth;
            g.KernelOffsets(offsets);
            bool shallow = ShallowWeightGradient.Applies(g, TSimd.Count);
            bool winograd = !shallow && TSimd.Count >= 16 && Winograd3x3.Applies(g);
            bool pixelRows = !shallow && !winograd && TSimd.Count >= 16 && PixelRowWeightGradient.Applies(g);
            int ldp = PatchWeightGradient<TRows, TSimd, TVector>.PartialStride(o);
            new Span<float>(partial, partialSize).Clear();
            new Span<float>(biasPartial, o).Clear();
            // 512-bit only: 3x3 at stride 1 over 8 or more channels; its planes sit after the partial sums.
            var wl = winograd ? new WinogradLayout(g) : default;
            float* winogradWork = WinogradLayout.Align(work + layout.Size);
            if (winograd)
                Winograd3x3.ClearForWeightGradient(g, wl, winogradWork);
            for (int first = start; first < end; first += layout.Images)
            {
                int count = Math.Min(layout.Images, end - first);
                float* gradient = (float*)op.DOutput + (long)first * g.OutImage;
                if (winograd)
                {
                    for (int image = 0; image < count; image++)
                        Winograd3x3.AccumulateWeightGradient(g, wl, winogradWork, (float*)op.Input + (long)(first + image) * g.SourceImage,
                            gradient + (long)image * g.OutImage);
                }
                else
                {
                    g.Pad((float*)op.Input + (long)first * g.SourceImage, count, padded);
                    if (pixelRows)
                        PixelRowWeightGradient.Accumulate(g, padded, gradient, count, partial, ldp, bPanel);
                    else if (!shallow)
                        PatchWeightGradient<TRows, TSimd, TVector>.Accumulate(g, padded, gradient, count, offsets, aPanels, bPanel, partial);
                    else if (TSimd.Count >= 16)
                        ShallowWeightGradient.Accumulate<FourRows, TSimd, TVector>(g, padded, gradient, count, partial, ldp);
                    else
                        ShallowWeightGradient.Accumulate<TwoRows, TSimd, TVector>(g, padded, gradient, count, partial, ldp);
                }
                for (int row = 0; row < count * o; row++)
                    biasPartial[row % o] += (float)Reductions.Sum(new ReadOnlySpan<float>(gradient + (long)row * pixels, pixels));
            }
            if (winograd)
                Winograd3x3.AddWeightGradient(g, wl, winogradWork, partial, ldp);
        });
        // Chunks are non-empty exactly for slice < min(slices, batch); add their partials in slice order.
        float* dWeights = (float*)op.DWeights, dBias = (float*)op.DBias;
        for (int slice = 0; slice < Math.Min(slices, op.Batch); slice++)
        {
            float* work = (float*)op.Workspace + (long)slice * op.SliceSize;
            float* partial = PatchWorkspace.At(work, layout.Third), biasPartial = work + layout.Fourth;
            for (int oc = 0; oc < o; oc++)
            {
                float* row = dWeights + (long)oc * k;
                for (int d = 0; d < k; d++)
                    row[d] += partial[(long)d * ldp + oc];
                if (dBias != null)
                    dBias[oc] += biasPartial[oc];
            }
        }
    }

    /// <summary>What each chunk of a weight gradient reads, passed by value so the call allocates no closure.</summary>
    private readonly record struct GradientState(GradientOperands Operands, PatchGeometry Geometry, PatchWorkspace Layout, int PartialSize);

    /// <summary>One validated weight-gradient call as addresses, so the per-thread closure can carry it.</summary>
    private readonly unsafe struct GradientOperands(in PatchGeometry geometry, int batch, float* input, float* dOutput,
        float* dWeights, float* dBias, float* workspace, int workspaceLength, int sliceSize)
    {
        public PatchGeometry Geometry { get; } = geometry;
        public int Batch { get; } = batch;
        public nint Input { get; } = (nint)input;
        public nint DOutput { get; } = (nint)dOutput;
        public nint DWeights { get; } = (nint)dWeights;
        public nint DBias { get; } = (nint)dBias;
        public nint Workspace { get; } = (nint)workspace;
        public int WorkspaceLength { get; } = workspaceLength;
        public int SliceSize { get; } = sliceSize;
    }

    /// <summary>
    /// Backward data for strides above 1 (where it is no plain convolution): dOutput of a group of images is gathered
    /// channel-major, multiplied by the weights into columns (C*KH*KW, G*OH*OW), and the columns are scattered back.
    /// </summary>
    private static void BackwardDataByColumns(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace, int sliceSize)
    {
        Conv2dShape s = shape;
        unsafe
        {
            fixed (float* pDOut = dOutput, pW = weights, pDIn = dInput, pWork = workspace)
            {
                nint dOutAddress = (nint)pDOut, wAddress = (nint)pW, dInAddress = (nint)pDIn, workAddress = (nint)pWork;
                ForGroups(s, workspace.Length, sliceSize, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * sliceSize, ColumnsSliceSize(s));
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
}
