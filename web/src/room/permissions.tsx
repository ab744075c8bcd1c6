// The permission bits of one role, as a group of checkboxes. A bit the
// editor does not hold is shown but cannot be changed: the room refuses to
// let anyone hand out what they lack.

import { t, type TextKey } from '../i18n';
import { Perm, type PermName } from './types';

const NAMES = Object.keys(Perm) as PermName[];

export function PermissionBits(props: {
  legend: string;
  value: number;
  holds: number;
  onChange: (value: number) => void;
}) {
  return (
    <fieldset class="perms">
      <legend>{props.legend}</legend>
      {NAMES.map((name) => {
        const bit = Perm[name];
        return (
          <label class="check" key={name}>
            <input
              type="checkbox"
              checked={(props.value & bit) !== 0}
              disabled={(props.holds & bit) === 0}
              onChange={(e) => props.onChange(e.currentTarget.checked ? props.value | bit : props.value & ~bit)}
            />
            {t(`perm_${name}` as TextKey)}
          </label>
        );
      })}
    </fieldset>
  );
}
