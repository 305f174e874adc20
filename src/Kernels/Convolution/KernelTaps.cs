using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Convolution;

// Kernel widths 1 to 7 as compile-time constants, so each instantiation of ShallowWeightGradient keeps only its own taps.

/// <summary>1 tap per kernel row.</summary>
internal readonly struct OneTap : ITileRows
{
    public static int Count => 1;
}

/// <summary>2 taps per kernel row.</summary>
internal readonly struct TwoTaps : ITileRows
{
    public static int Count => 2;
}

/// <summary>3 taps per kernel row.</summary>
internal readonly struct ThreeTaps : ITileRows
{
    public static int Count => 3;
}

/// <summary>4 taps per kernel row.</summary>
internal readonly struct FourTaps : ITileRows
{
    public static int Count => 4;
}

/// <summary>5 taps per kernel row.</summary>
internal readonly struct FiveTaps : ITileRows
{
    public static int Count => 5;
}

/// <summary>6 taps per kernel row.</summary>
internal readonly struct SixTaps : ITileRows
{
    public static int Count => 6;
}

/// <summary>7 taps per kernel row.</summary>
internal readonly struct SevenTaps : ITileRows
{
    public static int Count => 7;
}
