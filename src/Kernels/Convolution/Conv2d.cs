using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding: the forward pass.</summary>
public static partial class Conv2d
{
    /// <summary>
    /// Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need
    /// for <paramref name="shape"/>: per thread, a zero-padded copy of a group of images, the packed weights, one packed
    /// panel of patches, an output tile and a partial weight gradient. A smaller workspace (at least one slice) is still
    /// correct; it only limits the threads.
    /// </summary>
    public static int WorkspaceSize(in Conv2dShape shape) => SliceSize(shape) * Math.Max(1, Math.Min(shape.Batch, KernelThreadScope.CurrentThreadCount));

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O), then max(0, .) when
    /// <paramref name="relu"/> (applied as each tile is stored, so a following ReLU costs no pass); bias may be empty.
    /// Images are split across threads; each thread pads a group of images and runs an implicit GEMM whose B panels
    /// are packed straight from the padded images (<see cref="PatchGemm{TRows, TSimd, TVector}"/>); no im2col matrix.
    /// </summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace, bool relu = false)
    {
        ValidateShape(shape);
        Require.Length(input, shape.InputSize);
        Require.Length(weights, shape.WeightSize);
        Require.LengthOrEmpty(bias, shape.OutChannels);
        Require.Length(output, shape.OutputSize);
        Require.AtLeast(workspace, SliceSize(shape));
        RunProduct(shape, PatchGeometry.Forward(shape), input, weights, flipped: false, bias, output, workspace, relu);
    }

    /// <summary>
    /// target := the implicit GEMM of <paramref name="g"/> over the batch: A from the weights (flipped for backward data),
    /// B packed from the padded source images, plus the bias. Overwrites target.
    /// </summary>
    private static unsafe void RunProduct(in Conv2dShape s, in PatchGeometry g, ReadOnlySpan<float> source, ReadOnlySpan<float> weights,
        bool flipped, ReadOnlySpan<float> bias, Span<float> target, Span<float> workspace, bool relu = false)
    {
        if (s.Batch == 0)
            return;
        fixed (float* pSource = source, pW = weights, pB = bias, pTarget = target, pWork = workspace)
        {
            var operands = new ProductOperands(g, s.Batch, pSource, pW, flipped, bias.IsEmpty ? null : pB, pTarget, pWork,
                workspace.Length, SliceSize(s), relu);
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: RunProduct<EightRows, Simd512, Vector512<float>>(operands); break;
                case VectorWidth.Bits256: RunProduct<SixRows, Simd256, Vector256<float>>(operands); break;
                case VectorWidth.Bits128: RunProduct<SixRows, Simd128, Vector128<float>>(operands); break;
                default: RunProduct<SixRows, SimdScalar, float>(operands); break;
            }
        }
    }

    private static unsafe void RunProduct<TRows, TSimd, TVector>(ProductOperands op)
        where TRows : struct, ITileRows
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        PatchGeometry g = op.Geometry;
        PatchWorkspace layout = PatchWorkspace.Product(g, op.Batch);
        int slices = Math.Max(1, Math.Min(KernelParallel.Degree(op.Batch), op.WorkspaceLength / op.SliceSize));
        KernelParallel.ForChunks(op.Batch, slices, new ProductState(op, g, layout), static (in ProductState state, int slice, int start, int end) =>
        {
            ProductOperands op = state.Operands;
            PatchGeometry g = state.Geometry;
            PatchWorkspace layout = state.Layout;
            float* work = (float*)op.Workspace + (long)slice * op.SliceSize;
            // 512-bit only: on AVX2 the row panels measured faster on the same layer (0.71 vs 0.89 ms, LeNet's first, Zen 4).
            bool shallow = !op.Flipped && TSimd.Count >= 16 && ShallowConvolution.Applies(g, TSimd.Count);
            // 512-bit only: 3x3 at stride 1 over 8 or more channels, 2.25x fewer multiply-adds than the direct kernels.
            if (!shallow && TSimd.Count >= 16 && Winograd3x3.Applies(g))
            {
                var l = new WinogradLayout(g);
                float* at = WinogradLayout.Align(work);
                Winograd3x3.TransformWeights(g, l, (float*)op.Weights, op.Flipped, at + l.Weights);
                for (int image = start; image < end; image++)
                    Winograd3x3.Forward(g, l, at, (float*)op.Source + (long)image * g.SourceImage, (float*)op.Bias,
                        (float*)op.Target + (long)image * g.OutImage, op.Relu);
                return;
            }
            int* offsets = (int*)work;
            float* padded = work + layout.Padded, packedA = PatchWorkspace.At(work, layout.First);
            float* panel = PatchWorkspace.At(work, layout.Second), tile = PatchWorkspace.At(work, layout.Third);
            g.KernelOffsets(offsets);
            // 512-bit only, where its 7x32 tiles measured faster than the implicit GEMM's packed patches (BENCHMARKS.md).
            bool pixelRows = !shallow && TSimd.Count >= 16 && PixelRowConvolution.Applies(g);
            if (pixelRows)
                PixelRowConvolution.PackWeights(g, (float*)op.Weights, op.Flipped, packedA);
            else if (!shallow)
                PatchGemm<TRows, TSimd, TVector>.PackWeights(g, (float*)op.Weights, op.Flipped, packedA);
            // AVX2 only: the 512-bit path keeps its measured masked packing and 8-row tiles.
            bool rows = typeof(TVector) == typeof(Vector256<float>) && typeof(TRows) == typeof(SixRows) && RowPatchGemm.Applies(g);
            for (int first = start; first < end; first += layout.Images)
            {
                int count = Math.Min(layout.Images, end - first);
                g.Pad((float*)op.Source + (long)first * g.SourceImage, count, padded);
                float* target = (float*)op.Target + (long)first * g.OutImage;
                if (shallow)
                    ShallowConvolution<TRows, TSimd, TVector>.Run(g, padded, count, (float*)op.Weights, (float*)op.Bias, target, op.Relu);
                else if (pixelRows)
                    PixelRowConvolution.Run(g, padded, count, packedA, (float*)op.Bias, panel, target, op.Relu);
                else if (rows)
                    RowPatchGemm.Run(g, padded, count, packedA, offsets, tile, target, (float*)op.Bias, op.Relu);
                else
                    PatchGemm<TRows, TSimd, TVector>.Run(g, padded, count, packedA, offsets, panel, tile, target, (float*)op.Bias, op.Relu);
            }
        });
    }

    /// <summary>What each chunk of a product reads, passed by value so the call allocates no closure.</summary>
    private readonly record struct ProductState(ProductOperands Operands, PatchGeometry Geometry, PatchWorkspace Layout);

    /// <summary>One validated product as addresses, so the per-thread closure can carry it (pointers cannot be captured).</summary>
    private readonly unsafe struct ProductOperands(in PatchGeometry geometry, int batch, float* source, float* weights, bool flipped,
        float* bias, float* target, float* workspace, int workspaceLength, int sliceSize, bool relu)
    {
        public PatchGeometry Geometry { get; } = geometry;
        public int Batch { get; } = batch;
        public nint Source { get; } = (nint)source;
        public nint Weights { get; } = (nint)weights;
        public bool Flipped { get; } = flipped;
        public nint Bias { get; } = (nint)bias;
        public nint Target { get; } = (nint)target;
        public nint Workspace { get; } = (nint)workspace;
        public int WorkspaceLength { get; } = workspaceLength;
        public int SliceSize { get; } = sliceSize;
        public bool Relu { get; } = relu;
    }
}
