namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// Where each buffer of the implicit-GEMM passes sits inside one thread's workspace slice (in floats), sized for the
/// largest tile any vector width uses (MR 8, NR 32) so a slice fits whichever width runs.
/// </summary>
internal readonly struct PatchWorkspace
{
    /// <summary>Floats a vector copy may read or write past the end of a buffer.</summary>
    private const int Slack = 64;
    private const int MaxRows = 8, MaxColumns = 32;

    private PatchWorkspace(int offsets, int padded, int first, int second, int third, int fourth, int images)
    {
        // Each region has one cache line to spare, so its start can be moved up to a 64-byte boundary (see At):
        // the workspace is an ordinary float array, and split-line vector loads of B would slow the micro-kernel.
        Padded = Align(offsets);
        First = Align(Padded + padded + Slack);
        Second = Align(First + first + LineFloats);
        Third = Align(Second + second + Slack + LineFloats);
        Fourth = Align(Third + third + LineFloats);
        Size = Align(Fourth + fourth);
        Images = images;
    }

    private const int LineFloats = 16;

    /// <summary>The first 64-byte boundary at or after <paramref name="slice"/> + <paramref name="region"/>.</summary>
    public static unsafe float* At(float* slice, int region) => (float*)(((nint)(slice + region) + 63) & ~(nint)63);

    /// <summary>Images padded together: enough to fill many panels, few enough that the padded group stays in L2.</summary>
    public int Images { get; }
    /// <summary>Start of the padded group (the kernel-offset table of K ints sits at 0).</summary>
    public int Padded { get; }
    /// <summary>Forward: the packed weights (either layout). Weight gradient: the packed patch panels.</summary>
    public int First { get; }
    /// <summary>Forward: the B micro-panel, or the pixel-row kernel's tiles. Weight gradient: the dOutput micro-panel.</summary>
    public int Second { get; }
    /// <summary>Forward: the output tile. Weight gradient: the (K, O) partial.</summary>
    public int Third { get; }
    /// <summary>Weight gradient: the bias partial.</summary>
    public int Fourth { get; }
    /// <summary>Floats of the whole slice.</summary>
    public int Size { get; }

    /// <summary>Layout for <see cref="PatchGemm{TRows, TSimd, TVector}.Run"/> (forward, or backward data at stride 1).</summary>
    public static PatchWorkspace Product(in PatchGeometry g, int batch)
    {
        int images = GroupImages(g, batch), m = g.OutChannels + MaxRows, k = g.Depth;
        // The direct pixel-row kernel keeps its packed weights in First and its pixel-major tiles in Second.
        int first = Math.Max(m * k, PixelRowConvolution.PackedWeightsSize(g));
        int second = Math.Max(Gemm.GemmBlocking.DepthBlock(k) * MaxColumns, PixelRowConvolution.TileBufferSize(g));
        return new(k, images * g.PaddedImage, first, second, m * MaxColumns, 0, images);
    }

    /// <summary>
    /// Layout for <see cref="PatchWeightGradient{TRows, TSimd, TVector}.Accumulate"/>; the patch panels get K spare floats
    /// for the up to 2 per panel that 6-row panels need (<see cref="PatchWeightGradient{TRows, TSimd, TVector}.PanelStride"/>).
    /// </summary>
    public static PatchWorkspace WeightGradient(in PatchGeometry g, int batch)
    {
        int images = GroupImages(g, batch), k = g.Depth + MaxRows, block = PatchWeightGradient<Gemm.SixRows, Primitives.SimdScalar, float>.PixelBlock;
        int columns = (g.OutChannels + MaxColumns - 1) / MaxColumns * MaxColumns;
        // The direct pixel-row kernel keeps one image's pixel-major dOutput in Second.
        int second = Math.Max(block * MaxColumns, PixelRowWeightGradient.RowsSize(g));
        return new(g.Depth, images * g.PaddedImage, k * block + k, second, k * columns, g.OutChannels, images);
    }

    private static int GroupImages(in PatchGeometry g, int batch) => Math.Clamp((1 << 17) / Math.Max(1, g.PaddedImage), 1, Math.Max(1, batch));

    private static int Align(int floats) => (floats + 15) & ~15;
}
