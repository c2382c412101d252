using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Schema;

public class CollectionSchemaTests
{
    private static CollectionSchema Valid(params FieldSchema[] extra) => new("docs",
        [new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true, AutoId = true }, new FieldSchema("vec", FieldType.FloatVector) { Dim = 8 }, .. extra]);

    [Fact]
    public void AValidSchemaPassesAndMapsToStorage()
    {
        var s = Valid(new FieldSchema("title", FieldType.VarChar) { MaxLength = 100, Nullable = true, DefaultValue = "none" },
            new FieldSchema("tags", FieldType.Array) { ElementType = FieldType.VarChar, MaxLength = 10, MaxCapacity = 5 }) with { EnableDynamicField = true };
        s.Validate();
        var storage = s.ToSegmentSchema();
        Assert.Equal(["id", "vec", "title", "tags", "$meta"], storage.Fields.Select(f => f.Name));
        Assert.Equal("id", storage.PrimaryKey.Name);
    }

    [Theory]
    [InlineData("no vector")]
    [InlineData("two pks")]
    [InlineData("bad dim")]
    [InlineData("varchar no max_length")]
    [InlineData("bad name")]
    [InlineData("duplicate")]
    [InlineData("nullable vector")]
    [InlineData("autoid varchar")]
    [InlineData("bad default")]
    [InlineData("array capacity")]
    public void BadSchemasAreRefusedWithTheProblemNamed(string problem)
    {
        CollectionSchema s = problem switch
        {
            "no vector" => new("c", [new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true }]),
            "two pks" => Valid(new FieldSchema("id2", FieldType.Int64) { IsPrimaryKey = true }),
            "bad dim" => new("c", [new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true }, new FieldSchema("v", FieldType.FloatVector) { Dim = 40000 }]),
            "varchar no max_length" => Valid(new FieldSchema("t", FieldType.VarChar)),
            "bad name" => Valid(new FieldSchema("9t", FieldType.Int32)),
            "duplicate" => Valid(new FieldSchema("vec", FieldType.Int32)),
            "nullable vector" => Valid(new FieldSchema("v2", FieldType.FloatVector) { Dim = 4, Nullable = true }),
            "autoid varchar" => new("c", [new FieldSchema("id", FieldType.VarChar) { IsPrimaryKey = true, AutoId = true, MaxLength = 10 }, new FieldSchema("v", FieldType.FloatVector) { Dim = 4 }]),
            "bad default" => Valid(new FieldSchema("n", FieldType.Int8) { DefaultValue = 1000L }),
            _ => Valid(new FieldSchema("a", FieldType.Array) { ElementType = FieldType.Int64, MaxCapacity = 5000 }),
        };
        var e = Assert.Throws<QuiverException>(s.Validate);
        Assert.True(e.Code is ErrorCode.IllegalSchema or ErrorCode.FieldInvalidName, e.ToString());
        var expected = problem switch
        {
            "no vector" => "at least one vector field",
            "two pks" => "exactly one primary key",
            "bad dim" => "dim 40000",
            "varchar no max_length" => "max_length 0",
            "bad name" => "'9t'",
            "duplicate" => "duplicate field name 'vec'",
            "nullable vector" => "cannot be nullable",
            "autoid varchar" => "auto id needs an Int64",
            "bad default" => "does not fit Int8",
            _ => "max_capacity 5000",
        };
        Assert.Contains(expected, e.Message);
    }
}
