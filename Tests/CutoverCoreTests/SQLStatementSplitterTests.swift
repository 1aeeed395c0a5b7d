import CutoverCore
import Testing

@Suite("SQL statement splitter", .timeLimit(.minutes(1)))
struct SQLStatementSplitterTests {
    let splitter = SQLStatementSplitter()

    @Test("splits on semicolons and reports starting lines")
    func basic() throws {
        let parts = try splitter.split("-- header\nCREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\nSELECT 1")
        #expect(parts.map(\.sql) == ["CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)", "SELECT 1"])
        #expect(parts.map(\.line) == [2, 4, 5])
    }

    @Test("semicolons inside strings, identifiers, dollar quotes and comments do not split")
    func quoting() throws {
        let script = """
            SELECT 'a;b', 'it''s;', E'x\\';y', "we;ird" FROM t;
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;' $body$;
            SELECT 1 /* a; /* nested; */ still comment; */ + 2;
            SELECT $1::int -- trailing; comment
            ;
            """
        let parts = try splitter.split(script)
        #expect(parts.count == 5)
        #expect(parts[0].sql.hasSuffix("\"we;ird\" FROM t"))
        #expect(parts[1].sql.contains("RETURN 1; END; $$"))
        #expect(parts[2].sql.contains("$body$ SELECT 'x;' $body$"))
        #expect(parts[3].sql.hasPrefix("SELECT 1 /*") && parts[3].sql.hasSuffix("+ 2"))
        #expect(parts[4].sql.hasPrefix("SELECT $1::int"))
    }

    @Test("comment-only text between statements yields no statement")
    func commentsOnly() throws {
        #expect(try splitter.split("-- nothing\n/* here */\n;;").isEmpty)
    }

    @Test("unterminated constructs name the line they opened on", arguments: [
        ("SELECT 1;\nSELECT 'open", "string literal", 2),
        ("SELECT 1;\n\nCREATE FUNCTION f() AS $$ BEGIN", "dollar-quoted", 3),
        ("/* never closed", "block comment", 1),
        ("SELECT \"x", "quoted identifier", 1),
    ])
    func unterminated(script: String, what: String, line: Int) {
        #expect {
            try splitter.split(script)
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .unterminatedSQL && e.message.contains(what) && e.context["line"] == "\(line)"
        }
    }
}
