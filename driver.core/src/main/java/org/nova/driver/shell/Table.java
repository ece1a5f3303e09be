package org.nova.driver.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of cells turned into aligned text once, at the end of a shell command: every column is as
 * wide as its widest cell, columns are two spaces apart, and no line ends in blanks. The shell
 * commands of every bundle format their tables with it, so columns never drift with the width of
 * a name. Not thread-safe: one command builds one table.
 */
public final class Table {
    /** Blanks between two columns. */
    private static final int GAP = 2;

    private final List<String[]> rows = new ArrayList<>();

    /** @param header the column titles, also the number of columns a row normally has */
    public Table(String... header) {
        rows.add(header.clone());
    }

    /**
     * Adds a row; each cell is printed as {@link String#valueOf(Object)} shows it.
     *
     * @return this table
     */
    public Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    /** @return the number of rows below the header */
    public int size() {
        return rows.size() - 1;
    }

    /** @return the header and every row, one line each, each line ending in a newline */
    @Override
    public String toString() {
        int cols = 0;
        for (String[] r : rows) {
            cols = Math.max(cols, r.length);
        }
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(w[i] - r[i].length() + GAP));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
