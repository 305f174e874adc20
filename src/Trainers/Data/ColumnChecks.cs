using Microsoft.ML;

namespace MLNet.Extensions.Trainers.Data;

/// <summary>Schema look-ups that fail with a message naming the column and what was expected.</summary>
internal static class ColumnChecks
{
    /// <summary>The visible column <paramref name="name"/>, or an <see cref="ArgumentOutOfRangeException"/> naming its role.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(nameof(name), name,
                $"The {role} column '{name}' is not in the data; columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        return column.Value;
    }
}
