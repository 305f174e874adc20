using Microsoft.ML;
using MLNet.Extensions.Transforms.Persistence;

namespace MLNet.Extensions.Transforms.MLNetSeam;

/// <summary>The column pairs ML.NET's <c>OneToOneTransformerBase</c> saves before our payload, read through its internal load context.</summary>
internal static class SavedColumns
{
    /// <summary>
    /// For a one-to-one transform: reads the column pairs ML.NET saved before our payload and verifies the payload with them,
    /// then rewinds, so damage there (a column count, a string id) is reported as damage before ML.NET's base class parses
    /// it. A stream that cannot seek is left to the check after the base class has read the columns.
    /// </summary>
    public static void VerifyAfterColumns(ModelLoadContext ctx, string entry)
    {
        Stream stream = ctx.Reader.BaseStream;
        if (!stream.CanSeek)
            return;
        long start = stream.Position;
        try
        {
            int count = ctx.Reader.ReadInt32();
            if (count < 1 || 8L * count > stream.Length - stream.Position)
                throw new InvalidDataException($"{entry}: the saved column count {count} is invalid; the model file is damaged.");
            var columns = new (string, string)[count];
            for (int i = 0; i < count; i++)
                columns[i] = (ColumnName(ctx, entry), ColumnName(ctx, entry));
            ChecksummedPayload.Read(ctx.Reader, entry, ChecksummedPayload.ColumnContext(columns));
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{entry}: the saved columns are truncated; the model file is damaged.", e);
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static string ColumnName(ModelLoadContext ctx, string entry)
    {
        int id = ctx.Reader.ReadInt32();
        string[]? strings = ctx.Strings;
        if (strings is null || id < 0 || id >= strings.Length || string.IsNullOrEmpty(strings[id]))
            throw new InvalidDataException($"{entry}: a saved column name (string {id}) is missing; the model file is damaged.");
        return strings[id];
    }
}
